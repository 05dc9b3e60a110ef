"""Authentication (API keys), authorization (roles as scopes) and rate limiting."""
