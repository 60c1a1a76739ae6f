"""Analysis: statistics, timelines and estimates of the unrecorded, computed from stored records."""
