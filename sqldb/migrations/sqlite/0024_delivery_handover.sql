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
