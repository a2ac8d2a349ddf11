-- A webhook's secret can be rotated: the one it replaces keeps signing, beside the new one,
-- until the grace ends, so a receiver can switch without dropping alerts.
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT;
ALTER TABLE webhooks ADD COLUMN previous_secret_until_ms BIGINT;

-- Deliveries are taken in turn per webhook (its oldest due one) and at most so many wait per
-- webhook (the oldest beyond are dropped, state 'dropped', with the reason in last_error):
-- both read a webhook's pending deliveries.
CREATE INDEX webhook_deliveries_pending_by_webhook ON webhook_deliveries (webhook_id, id)
    WHERE state = 'pending';

-- A removed webhook's waiting alerts are never sent: from now on they are dropped with it, and
-- those an earlier removal left waiting go now.
UPDATE webhook_deliveries SET state = 'dropped', last_error = 'dropped: the webhook was removed'
    WHERE state = 'pending'
      AND webhook_id IN (SELECT id FROM webhooks WHERE removed_at_ms IS NOT NULL);
