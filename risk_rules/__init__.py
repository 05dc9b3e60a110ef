"""Credit-risk rules: pure algorithms (``risk_rules.algorithms``) and the rule framework around them."""
