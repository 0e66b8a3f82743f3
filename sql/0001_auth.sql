-- Principals: users and groups share one id space (NGW).
CREATE TABLE auth_principal (
    id              serial PRIMARY KEY,
    cls             char(1) NOT NULL CHECK (cls IN ('U', 'G')),
    system          boolean NOT NULL DEFAULT false,
    keyname         text NOT NULL CHECK (keyname ~ '^[A-Za-z][A-Za-z0-9_\-]*$'),
    display_name    text NOT NULL CHECK (display_name <> ''),
    description     text,
    -- users only
    password_hash   text,
    disabled        boolean NOT NULL DEFAULT false,
    superuser       boolean NOT NULL DEFAULT false,
    language        text,
    last_activity   timestamp,
    -- groups only
    register        boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX auth_principal_keyname_key ON auth_principal (cls, lower(keyname));
CREATE UNIQUE INDEX auth_principal_display_name_key ON auth_principal (cls, lower(display_name));

CREATE TABLE auth_group_user (
    group_id integer NOT NULL REFERENCES auth_principal (id) ON DELETE CASCADE,
    user_id  integer NOT NULL REFERENCES auth_principal (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX auth_group_user_user_idx ON auth_group_user (user_id);

-- API tokens and login sessions: only a sha256 of the secret is stored.
CREATE TABLE auth_token (
    id          serial PRIMARY KEY,
    user_id     integer NOT NULL REFERENCES auth_principal (id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,
    prefix      text NOT NULL,
    description text,
    created     timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    expires     timestamp,
    last_used   timestamp
);
CREATE INDEX auth_token_user_idx ON auth_token (user_id);

CREATE TABLE auth_session (
    id_hash   text PRIMARY KEY,
    user_id   integer NOT NULL REFERENCES auth_principal (id) ON DELETE CASCADE,
    created   timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    expires   timestamp NOT NULL
);
CREATE INDEX auth_session_user_idx ON auth_session (user_id);

INSERT INTO auth_principal (cls, system, keyname, display_name) VALUES
    ('U', true, 'guest', 'Guest'),
    ('U', true, 'everyone', 'Everyone'),
    ('U', true, 'authenticated', 'Authenticated'),
    ('U', true, 'owner', 'Owner'),
    ('G', true, 'administrators', 'Administrators'),
    ('U', false, 'administrator', 'Administrator');

INSERT INTO auth_group_user (group_id, user_id)
SELECT g.id, u.id FROM auth_principal g, auth_principal u
WHERE g.cls = 'G' AND g.keyname = 'administrators' AND u.cls = 'U' AND u.keyname = 'administrator';
