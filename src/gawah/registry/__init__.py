"""Incidents, acts, persons, claims and cases: what analysts review, merge, grade and qualify."""
