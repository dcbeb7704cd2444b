-- A counter that moves whenever a contract term or an exchange rate changes, however it is
-- written: what lets a server keep the book's terms in memory for revenue reports and know,
-- with one cheap read, when another write (or another server) has made them stale.
CREATE TABLE revenue_generation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO revenue_generation (id, n) VALUES (1, 0);
CREATE FUNCTION bump_revenue_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE revenue_generation SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER contracts_generation AFTER INSERT OR UPDATE OR DELETE ON contracts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_revenue_generation();
CREATE TRIGGER rates_generation AFTER INSERT OR UPDATE OR DELETE ON exchange_rates
    FOR EACH STATEMENT EXECUTE FUNCTION bump_revenue_generation();
