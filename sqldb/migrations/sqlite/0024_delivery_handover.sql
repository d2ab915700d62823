-- The hand-over of a delivery (issue 4: a crash sends none twice). A sender
-- records handover = 1 just before the last step that can make the
-- receiver take the message (the final "." of SMTP DATA, the webhook
-- request) and handover = 2 as soon as the receiver said yes, before
-- anything else. A row found "sending" past its lease with handover = 1 is
-- the only kind that the receiver may have accepted already: it is sent
-- again with the same Message-ID / X-Ceptor-Delivery, and counted in
-- uncertain_resends. handover = 2 past its lease is only recorded as
-- sent, never sent again; handover = 0 was never handed over.
ALTER TABLE advisory_deliveries ADD COLUMN handover SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE advisory_deliveries ADD COLUMN uncertain_resends INTEGER NOT NULL DEFAULT 0;

-- Webhook signing keys (issue 4): the key of a contact's webhook is
-- derived from the service key and the contact's key version; rotating
-- raises the version. No secret is stored: the row says which version is
-- current, since when and who made it. No row: version 0, the first key.
CREATE TABLE webhook_keys (
    contact_id BIGINT PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    org_id     BIGINT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_keys_org ON webhook_keys (org_id);
CREATE INDEX advisory_deliveries_contact ON advisory_deliveries (contact_id, channel, id);
