-- Stored files (featuresvc.file_storage). The bytes live behind the storage interface under
-- `key`; a row is committed only after its file is durable, and files without a row are
-- removed by `featuresvc cleanup`.
CREATE TABLE fileobj (
    id          bigserial PRIMARY KEY,
    component   text NOT NULL,
    key         text NOT NULL,
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size        bigint NOT NULL CHECK (size >= 0),
    mime_type   text NOT NULL,
    created     timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    CONSTRAINT fileobj_key_key UNIQUE (key)
);
