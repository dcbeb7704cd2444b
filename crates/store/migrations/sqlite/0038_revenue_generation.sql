-- A counter that moves whenever a contract term or an exchange rate changes, however it is
-- written: what lets a server keep the book's terms in memory for revenue reports and know,
-- with one cheap read, when another write (or another server) has made them stale.
CREATE TABLE revenue_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);
INSERT INTO revenue_generation (id, n) VALUES (1, 0);
CREATE TRIGGER contracts_generation_insert AFTER INSERT ON contracts
BEGIN UPDATE revenue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER contracts_generation_update AFTER UPDATE ON contracts
BEGIN UPDATE revenue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER contracts_generation_delete AFTER DELETE ON contracts
BEGIN UPDATE revenue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rates_generation_insert AFTER INSERT ON exchange_rates
BEGIN UPDATE revenue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rates_generation_update AFTER UPDATE ON exchange_rates
BEGIN UPDATE revenue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rates_generation_delete AFTER DELETE ON exchange_rates
BEGIN UPDATE revenue_generation SET n = n + 1 WHERE id = 1; END;
