-- A third key role, `write`: a site's backend sends interaction facts and active users with it,
-- and can read nothing.
ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('read', 'write', 'admin'));
