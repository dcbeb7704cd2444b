-- Every sortable column of the book gets a (column, id) index: keyset pages read it in order.
CREATE INDEX accounts_customer_since ON accounts(customer_since, id);
CREATE INDEX accounts_employees ON accounts(employees, id);
CREATE INDEX accounts_industry ON accounts(industry, id);
CREATE INDEX accounts_country ON accounts(country, id);
CREATE INDEX accounts_lifecycle ON accounts(lifecycle, id);
CREATE INDEX accounts_created ON accounts(created_at, id);
