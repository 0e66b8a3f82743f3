"""Users, groups, credentials (Basic, session cookie, bearer token) and the request identity."""
