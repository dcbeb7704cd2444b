-- One case-folded text to search (name, CRM id, domain): one LIKE per row instead of three.
ALTER TABLE accounts ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
UPDATE accounts SET search_key = name_key || ' ' || lower(COALESCE(external_id, '')) || ' ' || COALESCE(domain, '');
