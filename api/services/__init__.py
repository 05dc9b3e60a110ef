"""Logic that composes repository answers and risk_rules algorithms into one API answer."""
