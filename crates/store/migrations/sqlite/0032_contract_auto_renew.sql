-- Whether a contract term renews by itself unless the customer cancels: 1 yes, 0 no, NULL when
-- the book does not say. On some books it is one of the few signals there is.
ALTER TABLE contracts ADD COLUMN auto_renew BIGINT;
