"""Publication: HTML and PDF reports, charts, maps, and exports of incidents in public formats."""
