"""Free-text feedback sorted: sources, classification, the site's examples, the report."""
