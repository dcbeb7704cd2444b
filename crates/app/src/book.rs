//! The account book as the API and the CLI change it record by record: adding an account,
//! adding or changing a contact or a contract term, recording a support ticket or a survey
//! answer, defining a custom field, setting an exchange rate. Who may is the account's: its
//! owners, their managers, leaders and admins; what belongs to no account is the leaders'.
//! An account a command names that is not in the book is that field's error (400), not a
//! missing page (404).

use crate::{App, Caller, Error, Result};
use rust_decimal::Decimal;
use sherpa_core::{
    Account, AccountPatch, AccountRef, Contact, ContactId, ContactPatch, Contract, ContractId,
    ContractPatch, Currency, CustomFieldDef, Survey, SurveyFields, Ticket, TicketFields,
};

impl App {
    /// The account a field of a command names; one that does not exist is that field's error.
    async fn named_account(&self, field: &str, r: &AccountRef) -> Result<Account> {
        let id = match r {
            AccountRef::Id(id) => *id,
            r => self
                .store
                .find_account(r)
                .await
                .map_err(|e| unknown(field, e))?,
        };
        self.store.account(id).await.map_err(|e| unknown(field, e))
    }

    /// Checks the caller may change what hangs off the account (or, for none, the book).
    async fn may_change(&self, by: &Caller, account: Option<&Account>) -> Result<()> {
        match account {
            Some(a) => by.may(|u| u.may_edit_account(&a.fields.owners)),
            None => by.may(|u| u.may_manage_book()),
        }
    }

    /// Adds an account (leaders and admins); it needs a name.
    pub async fn create_account(&self, by: &Caller, patch: &AccountPatch) -> Result<Account> {
        by.may(|u| u.may_manage_book())?;
        if patch.name.is_none() {
            return Err(Error::invalid("name", "name is required"));
        }
        Ok(self.store.create_account(&by.actor(), patch).await?)
    }

    /// Adds a contact, on the account the patch names or on none.
    pub async fn add_contact(&self, by: &Caller, patch: &ContactPatch) -> Result<Contact> {
        let account = match &patch.account {
            Some(Some(r)) => Some(self.named_account("account_id", r).await?),
            _ => None,
        };
        self.may_change(by, account.as_ref()).await?;
        if patch.name.is_none() {
            return Err(Error::invalid("name", "name is required"));
        }
        Ok(self.store.save_contact(&by.actor(), None, patch).await?)
    }

    /// Changes a contact (set `departed_on` when they leave).
    pub async fn change_contact(
        &self,
        by: &Caller,
        id: ContactId,
        patch: &ContactPatch,
    ) -> Result<Contact> {
        let existing = self.store.contact(id).await?;
        let account = match existing.fields.account_id {
            Some(a) => Some(self.store.account(a).await?),
            None => None,
        };
        self.may_change(by, account.as_ref()).await?;
        // A move needs the right on both sides: taking a contact from an account one may not
        // edit, or giving one to it, is refused alike.
        if let Some(target) = &patch.account {
            let target = match target {
                Some(r) => Some(self.named_account("account_id", r).await?),
                None => None,
            };
            if target.as_ref().map(|t| t.id) != account.as_ref().map(|a| a.id) {
                self.may_change(by, target.as_ref()).await?;
            }
        }
        Ok(self
            .store
            .save_contact(&by.actor(), Some(id), patch)
            .await?)
    }

    /// Adds a contract term to the account it names; the account's ARR and renewal follow.
    pub async fn add_contract(&self, by: &Caller, patch: &ContractPatch) -> Result<Contract> {
        let Some(reference) = &patch.account else {
            return Err(Error::invalid(
                "account_id",
                "account_id or account_external_id is required",
            ));
        };
        let field = match reference {
            AccountRef::ExternalId(_) => "account_external_id",
            _ => "account_id",
        };
        let account = self.named_account(field, reference).await?;
        self.may_change(by, Some(&account)).await?;
        Ok(self.store.save_contract(&by.actor(), None, patch).await?)
    }

    /// Changes a contract term (its outcome when it ends, its dates); a term stays with its
    /// account.
    pub async fn change_contract(
        &self,
        by: &Caller,
        id: ContractId,
        patch: &ContractPatch,
    ) -> Result<Contract> {
        let existing = self.store.contract(id).await?;
        let account = self.store.account(existing.fields.account_id).await?;
        self.may_change(by, Some(&account)).await?;
        if patch.account.is_some() {
            return Err(Error::invalid(
                "account_id",
                "a term stays with its account; add a term to the other account instead",
            ));
        }
        Ok(self
            .store
            .save_contract(&by.actor(), Some(id), patch)
            .await?)
    }

    /// Records a support ticket (or updates the one with its external id).
    pub async fn record_ticket(&self, by: &Caller, fields: &TicketFields) -> Result<Ticket> {
        let account = self
            .named_account("account_id", &AccountRef::Id(fields.account_id))
            .await?;
        self.may_change(by, Some(&account)).await?;
        fields.check()?;
        Ok(self.store.save_ticket(&by.actor(), fields).await?)
    }

    /// Records a survey answer (or updates the one with its external id); the contact who
    /// answered, if named, is one of the account's.
    pub async fn record_survey(&self, by: &Caller, fields: &SurveyFields) -> Result<Survey> {
        let account = self
            .named_account("account_id", &AccountRef::Id(fields.account_id))
            .await?;
        self.may_change(by, Some(&account)).await?;
        if let Some(c) = fields.contact_id {
            let contact = self
                .store
                .contact(c)
                .await
                .map_err(|e| unknown("contact_id", e))?;
            if contact.fields.account_id != Some(fields.account_id) {
                return Err(Error::invalid(
                    "contact_id",
                    "the contact belongs to another account",
                ));
            }
        }
        fields.check()?;
        Ok(self.store.save_survey(&by.actor(), fields).await?)
    }

    /// Defines a custom account field (leaders and admins).
    pub async fn define_custom_field(&self, by: &Caller, def: &CustomFieldDef) -> Result<()> {
        by.may(|u| u.may_manage_book())?;
        Ok(self.store.define_custom_field(&by.actor(), def).await?)
    }

    /// Sets 1 `currency` = `rate` of the reporting currency (leaders and admins); every
    /// account's ARR follows.
    pub async fn set_exchange_rate(
        &self,
        by: &Caller,
        currency: Currency,
        rate: Decimal,
    ) -> Result<()> {
        by.may(|u| u.may_manage_book())?;
        Ok(self
            .store
            .set_exchange_rate(&by.actor(), currency, rate)
            .await?)
    }
}

/// A record a command names that is not in the book, as that field's error (a database
/// failure stays one).
fn unknown(field: &str, e: sherpa_store::StoreError) -> Error {
    match e {
        sherpa_store::StoreError::NotFound { entity, .. } => {
            Error::invalid(field, format!("no such {entity}"))
        }
        e => e.into(),
    }
}
