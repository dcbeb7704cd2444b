-- The 9-box as one sortable value, "relationship-upsell" ("3-3" sorts after "1-1").
ALTER TABLE accounts ADD COLUMN box_code TEXT;
UPDATE accounts SET box_code = CAST(box_relationship AS TEXT) || '-' || CAST(box_upsell AS TEXT)
    WHERE box_relationship IS NOT NULL;
CREATE INDEX accounts_box_code ON accounts(box_code, id);
