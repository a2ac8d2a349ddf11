-- A webhook's secret can be rotated: the one it replaces keeps signing, beside the new one,
-- until the grace ends, so a receiver can switch without dropping alerts.
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT;
ALTER TABLE webhooks ADD COLUMN previous_secret_until_ms INTEGER;

-- Deliveries are taken in turn per webhook (its oldest due one) and at most so many wait per
-- webhook (the oldest beyond are dropped, state 'dropped', with the reason in last_error):
-- both read a webhook's pending deliveries.
CREATE INDEX webhook_deliveries_pending_by_webhook ON webhook_deliveries (webhook_id, id)
    WHERE state = 'pending';
