CREATE TABLE resource (
    id              integer PRIMARY KEY,
    cls             text NOT NULL,
    parent_id       integer REFERENCES resource (id),
    keyname         text,
    display_name    text NOT NULL CHECK (display_name <> ''),
    description     text,
    owner_user_id   integer NOT NULL REFERENCES auth_principal (id),
    creation_date   timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    CONSTRAINT resource_root_check CHECK ((id = 0) = (parent_id IS NULL)),
    CONSTRAINT resource_keyname_key UNIQUE (keyname),
    CONSTRAINT resource_display_name_key UNIQUE (parent_id, display_name)
);
CREATE INDEX resource_parent_idx ON resource (parent_id);
CREATE SEQUENCE resource_id_seq OWNED BY resource.id;
ALTER TABLE resource ALTER COLUMN id SET DEFAULT nextval('resource_id_seq');

CREATE TABLE resource_acl (
    id            serial PRIMARY KEY,
    resource_id   integer NOT NULL REFERENCES resource (id) ON DELETE CASCADE,
    position      integer NOT NULL,
    action        text NOT NULL CHECK (action IN ('allow', 'deny')),
    principal_id  integer NOT NULL REFERENCES auth_principal (id) ON DELETE CASCADE,
    identity      text NOT NULL DEFAULT '',
    scope         text NOT NULL DEFAULT '',
    permission    text NOT NULL DEFAULT '',
    propagate     boolean NOT NULL DEFAULT true
);
CREATE INDEX resource_acl_resource_idx ON resource_acl (resource_id);

CREATE TABLE resmeta_item (
    resource_id integer NOT NULL REFERENCES resource (id) ON DELETE CASCADE,
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    value       jsonb,
    PRIMARY KEY (resource_id, key)
);

INSERT INTO resource (id, cls, parent_id, display_name, owner_user_id)
SELECT 0, 'resource_group', NULL, 'Main resource group', id
FROM auth_principal WHERE cls = 'U' AND keyname = 'administrator';

INSERT INTO resource_acl (resource_id, position, action, principal_id, scope, permission, propagate)
SELECT 0, 0, 'allow', id, '', '', true FROM auth_principal WHERE cls = 'G' AND keyname = 'administrators'
UNION ALL
SELECT 0, 1, 'allow', id, 'resource', 'read', false FROM auth_principal WHERE cls = 'U' AND keyname = 'authenticated';
