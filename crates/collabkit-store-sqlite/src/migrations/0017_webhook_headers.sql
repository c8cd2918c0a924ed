-- A registration's custom headers (`/webhooks/{id}/headers`), sent on every attempt: a JSON
-- object of names to values, NULL when it has none.
ALTER TABLE webhooks ADD COLUMN headers TEXT;
