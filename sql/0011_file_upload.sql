-- Temporary uploads (featuresvc.file_upload): multipart, raw PUT and tus. The received
-- bytes are the file `<data_dir>/files/upload/<id>`; its size is the tus offset.
CREATE TABLE file_upload (
    id              char(32) PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    owner_user_id   integer REFERENCES auth_principal (id) ON DELETE CASCADE,
    size            bigint NOT NULL CHECK (size >= 0),
    name            text,
    mime_type       text,
    complete        boolean NOT NULL DEFAULT false,
    sha256          text,
    created         timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated         timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
CREATE INDEX file_upload_updated_idx ON file_upload (updated);
