"""Employee voice: anonymous employee survey files (eNPS, engagement items), stored by team and month,
reported by team beside the customers' NPS/CSI, never for a group smaller than ``min_group``."""
