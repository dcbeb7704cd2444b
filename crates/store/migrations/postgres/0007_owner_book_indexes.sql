-- Each owner column with the ARR beside it, so that a person's book size (accounts and ARR) is
-- read from the index alone, without visiting the accounts.
DROP INDEX accounts_csm;
DROP INDEX accounts_ae;
DROP INDEX accounts_cd;
DROP INDEX accounts_sponsor;
CREATE INDEX accounts_csm ON accounts(csm_id, arr_minor);
CREATE INDEX accounts_ae ON accounts(ae_id, arr_minor);
CREATE INDEX accounts_cd ON accounts(cd_id, arr_minor);
CREATE INDEX accounts_sponsor ON accounts(sponsor_id, arr_minor);
