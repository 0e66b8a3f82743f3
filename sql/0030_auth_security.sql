-- Failed-login throttle (featuresvc.auth.throttle): one row per (kind, key), kind 'login'
-- (lower-cased login) or 'address' (client address). Shared by every worker and node;
-- updated with one INSERT ... ON CONFLICT DO UPDATE per failure.
CREATE TABLE auth_throttle (
    kind          text NOT NULL CHECK (kind IN ('login', 'address')),
    key           text NOT NULL,
    failures      integer NOT NULL,
    window_start  timestamptz NOT NULL,
    locked_until  timestamptz,
    PRIMARY KEY (kind, key)
);
CREATE INDEX auth_throttle_window_idx ON auth_throttle (window_start);
