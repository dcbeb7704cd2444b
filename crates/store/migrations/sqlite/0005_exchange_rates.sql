-- Exchange rates into the reporting currency, for account ARR and totals. `rate` is the decimal
-- a person entered (1 EUR = 1.0834 USD); `minor_ppm` converts minor units to reporting minor
-- units in integer arithmetic: reporting_minor = arr_minor * minor_ppm / 1000000.
CREATE TABLE exchange_rates (
    currency TEXT PRIMARY KEY,
    rate TEXT NOT NULL,
    minor_ppm INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
