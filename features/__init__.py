"""Pure feature functions: numbers in, numbers out. No files, network, clocks, logging or models."""
