-- Import sessions (featuresvc.layer_import): an upload mapped onto an existing layer, then
-- validated and applied. A session belongs to its user and goes when its upload expires.
CREATE TABLE layer_import_session (
    id              char(32) PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    owner_user_id   integer NOT NULL REFERENCES auth_principal (id) ON DELETE CASCADE,
    resource_id     integer NOT NULL REFERENCES resource (id) ON DELETE CASCADE,
    upload_id       char(32) NOT NULL REFERENCES file_upload (id) ON DELETE CASCADE,
    source_layer    text NOT NULL,
    columns         jsonb NOT NULL,
    preview         jsonb NOT NULL,
    row_count       integer,
    mapping         jsonb NOT NULL,
    state           text NOT NULL DEFAULT 'ready'
                    CHECK (state IN ('ready', 'running', 'done', 'failed')),
    progress_done   integer NOT NULL DEFAULT 0,
    progress_total  integer,
    result          jsonb,
    -- Set once the per-row issues below match the current mapping.
    validated       boolean NOT NULL DEFAULT false,
    invalid_rows    integer,
    created         timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated         timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
CREATE INDEX layer_import_session_owner_idx ON layer_import_session (owner_user_id);
CREATE INDEX layer_import_session_resource_idx ON layer_import_session (resource_id);
CREATE INDEX layer_import_session_upload_idx ON layer_import_session (upload_id);

CREATE TABLE layer_import_issue (
    session_id      char(32) NOT NULL REFERENCES layer_import_session (id) ON DELETE CASCADE,
    row_no          integer NOT NULL,
    column_name     text,
    field           text,
    reason          text NOT NULL
);
CREATE INDEX layer_import_issue_session_idx ON layer_import_issue (session_id, row_no);
