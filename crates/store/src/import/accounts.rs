//! An accounts file applied in bulk. The book is read once (every account's fields, the team,
//! the owners kept by name); each row is worked out in memory by the rules of a single save
//! (`patched`, the same messages); only the rows that change anything are written, in
//! multi-row statements. Saved row by row, a row cost about ten statements and each statement
//! a hand-off to the database's thread: 27 s for 100,000 rows, 6.5 s to find nothing changed.

use super::{Batch, Progress, combined, no_sherpa_id, unnamed};
use crate::accounts::bulk::{insert_accounts, lifecycles_chosen, update_accounts};
use crate::accounts::{no_account, parent_loop, patched, taken, two_named};
use crate::audit::{Entry, record_all};
use crate::bulk::SecondaryIndexes;
use crate::pending_owners::{KeptName, all_kept, set_many, shown, wanted};
use crate::rows::{ACCOUNT_FIELDS_COLUMNS, AccountAudit, AccountFieldsRow};
use crate::sql::json_array;
use crate::users::{Change, NO_TEAM_MEMBER, Team};
use crate::{Result, Store, StoreError};
use futures::TryStreamExt;
use sherpa_core::import::*;
use sherpa_core::text::fold;
use sherpa_core::*;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap, HashSet};

/// New accounts from which a file is written before the accounts' indexes are built (when
/// they are also more than the book holds).
const BULK_ROWS: usize = 10_000;

/// Where a row's account is: held by the book, or the n-th this file adds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Slot {
    Held(AccountId),
    New(usize),
}

/// The book's accounts as the file is applied to them: read once, kept up to date row by row.
#[derive(Default)]
struct Image {
    held: HashMap<AccountId, AccountFields>,
    new: Vec<AccountFields>,
    /// The ids the new accounts were given, once inserted, and the other way round.
    new_ids: Vec<AccountId>,
    new_slots: HashMap<AccountId, usize>,
    by_external: HashMap<String, Slot>,
    by_domain: HashMap<String, Slot>,
    by_name: HashMap<String, Vec<Slot>>,
}

impl Image {
    async fn read(conn: &mut AnyConnection, engine: crate::Engine) -> Result<Image> {
        let defs = crate::custom_fields::definitions(conn).await?;
        let sql = format!(
            "SELECT {} FROM accounts",
            json_array(engine, ACCOUNT_FIELDS_COLUMNS)
        );
        // Row by row as they come: the whole book held as database rows first doubled the
        // memory an import of 100,000 accounts took.
        let mut rows = sqlx::query_scalar::<_, String>(&sql).fetch(conn);
        let mut image = Image::default();
        while let Some(row) = rows.try_next().await? {
            let row: AccountFieldsRow = serde_json::from_str(&row)
                .map_err(|e| StoreError::Db(sqlx::Error::Decode(e.into())))?;
            let id = AccountId(row.id);
            let fields = row.into_fields(&defs)?;
            image.index(Slot::Held(id), &fields);
            image.held.insert(id, fields);
        }
        Ok(image)
    }

    /// Room for `rows` more accounts. Grown by doubling, the accounts and their indexes were
    /// copied over and over, each time into memory fresh from the kernel (a fifth of a
    /// 100,000-row import). Room a re-import leaves unused is never touched.
    fn reserve(&mut self, rows: usize) {
        self.new.reserve(rows);
        self.by_external.reserve(rows);
        self.by_domain.reserve(rows);
        self.by_name.reserve(rows);
    }

    fn get(&self, slot: Slot) -> &AccountFields {
        match slot {
            Slot::Held(id) => &self.held[&id],
            Slot::New(i) => &self.new[i],
        }
    }

    fn index(&mut self, slot: Slot, f: &AccountFields) {
        if let Some(x) = &f.external_id {
            self.by_external.insert(x.clone(), slot);
        }
        if let Some(d) = &f.domain {
            self.by_domain.insert(d.as_str().to_string(), slot);
        }
        self.by_name.entry(fold(&f.name)).or_default().push(slot);
    }

    fn unindex(&mut self, slot: Slot, f: &AccountFields) {
        if let Some(x) = &f.external_id {
            self.by_external.remove(x);
        }
        if let Some(d) = &f.domain {
            self.by_domain.remove(d.as_str());
        }
        if let Some(named) = self.by_name.get_mut(&fold(&f.name)) {
            named.retain(|s| *s != slot);
        }
    }

    /// Keeps an account's new fields; answers where it is.
    fn put(&mut self, slot: Option<Slot>, fields: AccountFields) -> Slot {
        let slot = match slot {
            Some(s) => {
                let before = self.get(s).clone();
                self.unindex(s, &before);
                s
            }
            None => {
                self.new.push(AccountFields::default());
                Slot::New(self.new.len() - 1)
            }
        };
        self.index(slot, &fields);
        match slot {
            Slot::Held(id) => {
                self.held.insert(id, fields);
            }
            Slot::New(i) => self.new[i] = fields,
        }
        slot
    }

    fn id(&self, slot: Slot) -> AccountId {
        match slot {
            Slot::Held(id) => id,
            Slot::New(i) => self.new_ids[i],
        }
    }

    fn slot_of(&self, id: AccountId) -> Option<Slot> {
        if self.held.contains_key(&id) {
            return Some(Slot::Held(id));
        }
        self.new_slots.get(&id).copied().map(Slot::New)
    }

    /// Takes the ids the new accounts were given.
    fn settle(&mut self, ids: Vec<AccountId>) {
        self.new_slots = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        self.new_ids = ids;
    }

    /// The account a row's key names, as `find_account` would.
    fn find(&self, key: &AccountKey) -> Result<Option<Slot>> {
        Ok(match key {
            AccountKey::ExternalId(x) => self.by_external.get(x).copied(),
            AccountKey::Domain(d) => self.by_domain.get(d.as_str()).copied(),
            AccountKey::SherpaId(id) => match self.held.contains_key(id) {
                true => Some(Slot::Held(*id)),
                false => return Err(no_sherpa_id(*id)),
            },
        })
    }

    /// The account a reference names, as `resolve_account` would; only once new accounts
    /// have their ids.
    fn resolve(&self, r: &AccountRef) -> Result<Slot, String> {
        match r {
            AccountRef::Id(id) => self.slot_of(*id),
            AccountRef::ExternalId(x) => self.by_external.get(x).copied(),
            AccountRef::Name(n) => match self.by_name.get(&fold(n)).map(Vec::as_slice) {
                Some([one]) => Some(*one),
                Some([_, _, ..]) => return Err(two_named(n)),
                _ => None,
            },
        }
        .ok_or_else(|| no_account(r))
    }

    /// Refuses a parent at or below the account, walking up from the parent.
    fn refuse_loop(&self, id: AccountId, parent: AccountId) -> Result<()> {
        let mut at = Some(parent);
        let mut steps = 0;
        while let Some(current) = at.filter(|_| steps <= 10_000) {
            if current == id {
                let name = self.slot_of(parent).map(|s| self.get(s).name.clone());
                return Err(parent_loop(&name.unwrap_or_default()));
            }
            steps += 1;
            at = self.slot_of(current).and_then(|s| self.get(s).parent_id);
        }
        Ok(())
    }

    /// Whether the external id or domain of `fields` is another account's.
    fn taken_by_another(&self, slot: Option<Slot>, fields: &AccountFields) -> bool {
        let other = |s: Option<&Slot>| s.is_some_and(|s| Some(*s) != slot);
        fields
            .external_id
            .as_ref()
            .is_some_and(|x| other(self.by_external.get(x)))
            || fields
                .domain
                .as_ref()
                .is_some_and(|d| other(self.by_domain.get(d.as_str())))
    }
}

/// Takes out of `patch` the owners who are not team members, returning them to keep: the rest
/// of the row is saved as it is. A name shared by two members stays, to be refused as
/// ambiguous.
fn set_aside_unknown_owners(
    team: &Team,
    patch: &mut AccountPatch,
) -> Vec<(OwnerFunction, PersonRef)> {
    let mut unknown = Vec::new();
    for (f, person) in patch.owners.clone() {
        let Some(r) = person.filter(|r| !matches!(r, PersonRef::Id(_))) else {
            continue;
        };
        if let Err(e) = team.resolve(&r)
            && e.starts_with(NO_TEAM_MEMBER)
        {
            patch.owners.remove(&f);
            unknown.push((f, r));
        }
    }
    unknown
}

/// A patch's owners, resolved, naming the field of the first that is not one member.
fn owners(team: &Team, p: &AccountPatch) -> Result<Resolved> {
    let mut out = Resolved::default();
    for (f, person) in &p.owners {
        let id = match person {
            Some(r) => Some(
                team.resolve(r)
                    .map_err(|e| StoreError::invalid(&format!("owners.{f}"), e))?,
            ),
            None => None,
        };
        out.owners.insert(*f, id);
    }
    Ok(out)
}

/// The owners' names a row keeps or forgets, by function.
type OwnerNames = Vec<(OwnerFunction, Option<KeptName>)>;

/// An account the file changes, audited once however many of its rows touch it (its fields,
/// then its parent): from what the book held before the file (nothing, for a new account) to
/// what it holds after. The account may not have its id yet, and what it holds after is
/// written out only when the entries are, a few hundred at a time.
struct Pending {
    slot: Slot,
    before: Option<String>,
}

impl Store {
    pub async fn import_accounts(
        &self,
        actor: &Actor,
        file: &Parsed<AccountRow>,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let engine = self.engine();
        // Other writers of accounts wait seconds for a large import's commit otherwise.
        crate::accounts::generation_at_commit(&mut tx, engine).await?;
        let mut batch = Batch::new(file, progress);
        let team = Team::read(&mut tx).await?;
        let mut image = Image::read(&mut tx, engine).await?;
        image.reserve(file.rows.len());
        let mut audit: Vec<Pending> = Vec::new();
        let mut audited: HashSet<Slot> = HashSet::new();
        let mut changed: HashSet<AccountId> = HashSet::new();
        let mut chosen: Vec<AccountId> = Vec::new();
        let mut owners_kept: Vec<(Slot, OwnerNames)> = Vec::new();
        let mut unknown_owners: BTreeMap<String, usize> = Default::default();
        // First the accounts themselves, then parents, so a parent may come later in the file.
        let mut saved = Vec::with_capacity(file.rows.len());
        for row in &file.rows {
            batch.row_read();
            let mut patch = AccountPatch {
                parent: None,
                ..row.patch.clone()
            };
            // An owner who is not a team member does not refuse the row: the name is kept.
            let unknown = set_aside_unknown_owners(&team, &mut patch);
            let planned = image.find(&row.key).and_then(|slot| {
                let resolved = owners(&team, &patch)?;
                let fields = patched(slot.map(|s| image.get(s)), &patch, &resolved)?;
                if slot.is_some_and(|s| image.get(s) == &fields) {
                    return Ok((slot, None));
                }
                if image.taken_by_another(slot, &fields) {
                    return Err(StoreError::Conflict(taken(&fields)));
                }
                Ok((slot, Some(fields)))
            });
            let Some((slot, fields)) = batch.outcome(row.line, planned)? else {
                continue;
            };
            let (slot, change) = match fields {
                None => (
                    slot.expect("an unchanged account is held"),
                    Change::Unchanged,
                ),
                Some(fields) => {
                    let before = slot.map(|s| image.get(s));
                    if let (Some(Slot::Held(id)), Some(b)) = (slot, before) {
                        changed.insert(id);
                        if b.lifecycle != fields.lifecycle {
                            chosen.push(id);
                        }
                    }
                    let change = match before {
                        Some(_) => Change::Updated,
                        None => Change::Created,
                    };
                    let before = match slot {
                        Some(s) if audited.contains(&s) => None,
                        _ => Some(before.map(|b| AccountAudit::of(b).text())),
                    };
                    let put = image.put(slot, fields);
                    if let Some(before) = before {
                        audited.insert(put);
                        audit.push(Pending { slot: put, before });
                    }
                    (put, change)
                }
            };
            for (_, person) in &unknown {
                *unknown_owners.entry(shown(person)).or_default() += 1;
            }
            owners_kept.push((slot, wanted(&patch, &unknown)));
            saved.push((slot, change));
        }
        batch.summary.unknown_owners = unknown_owners.into_iter().collect();
        if !batch.errors.is_empty() {
            return batch.finish(tx, dry_run).await;
        }

        // The new accounts get their ids, then the changed ones are written. A file that adds
        // more accounts than SQLite's book holds (a first import, say) is written before the
        // accounts' twenty indexes are built: kept up to date row by row, they took more than
        // half of a 100,000-row import. PostgreSQL locks the table against readers while its
        // indexes are gone, so only a first import into an empty book is written that way.
        let bulk = image.new.len() >= BULK_ROWS
            && match engine {
                crate::Engine::Sqlite => image.new.len() >= image.held.len(),
                crate::Engine::Postgres => image.held.is_empty(),
            };
        let indexes = match bulk {
            true => Some(SecondaryIndexes::drop(&mut tx, engine, "'accounts'").await?),
            false => None,
        };
        let ids = insert_accounts(&mut tx, engine, &now, &image.new).await?;
        image.settle(ids);
        let mut changed: Vec<AccountId> = changed.into_iter().collect();
        changed.sort();
        write_held(&mut tx, engine, &now, &image, &changed).await?;
        lifecycles_chosen(&mut tx, &chosen).await?;

        // Parents, now that every account of the file has its id.
        let mut parented = Vec::new();
        for (row, (slot, change)) in file.rows.iter().zip(&saved) {
            let mut change = *change;
            if let Some(parent) = &row.patch.parent {
                let id = image.id(*slot);
                let planned = parent_of(&image, id, *slot, parent);
                if let Some(Some(fields)) = batch.outcome(row.line, planned)? {
                    if audited.insert(*slot) {
                        audit.push(Pending {
                            slot: *slot,
                            before: Some(AccountAudit::of(image.get(*slot)).text()),
                        });
                    }
                    image.put(Some(*slot), fields);
                    parented.push(id);
                    change = combined(change, Change::Updated);
                }
            }
            batch.count(change);
        }
        if !batch.errors.is_empty() {
            return batch.finish(tx, dry_run).await;
        }
        parented.sort();
        parented.dedup();
        write_held(&mut tx, engine, &now, &image, &parented).await?;
        if let Some(indexes) = indexes {
            indexes.build(&mut tx).await?;
        }

        let entries = audit.into_iter().map(|p| {
            let id = image.id(p.slot);
            Entry {
                action: if p.before.is_some() {
                    "update"
                } else {
                    "create"
                },
                entity: "account",
                entity_id: id.to_string(),
                account_id: Some(id.0),
                before: p.before,
                after: Some(AccountAudit::of(image.get(p.slot)).text()),
            }
        });
        record_all(&mut tx, engine, &now, actor, entries).await?;
        keep_owner_names(&mut tx, engine, &image, owners_kept).await?;
        if file.whole_file {
            let named: Vec<i64> = saved.iter().map(|(s, _)| image.id(*s).0).collect();
            // The accounts held before this file, as the image still has them.
            let held = image.held.iter().map(|(id, f)| HeldRecord {
                id: id.0,
                account_id: Some(id.0),
                external_id: f.external_id.clone(),
                name: f.name.clone(),
            });
            batch.summary.not_in_file = unnamed(held, &named);
        }
        let r = batch.finish(tx, dry_run).await;
        self.with_lifecycles(r, dry_run).await
    }
}

/// The account's fields with the parent a row gives it, or none when nothing changes.
fn parent_of(
    image: &Image,
    id: AccountId,
    slot: Slot,
    parent: &Option<AccountRef>,
) -> Result<Option<AccountFields>> {
    let resolved = Resolved {
        parent: Some(match parent {
            Some(r) => Some(
                image
                    .resolve(r)
                    .map(|s| image.id(s))
                    .map_err(|e| StoreError::invalid("parent", e))?,
            ),
            None => None,
        }),
        ..Default::default()
    };
    let only_parent = AccountPatch {
        parent: Some(parent.clone()),
        ..Default::default()
    };
    let before = image.get(slot);
    let fields = patched(Some(before), &only_parent, &resolved)?;
    if let Some(p) = fields.parent_id {
        if p == id {
            return Err(StoreError::invalid(
                "parent",
                "an account cannot be its own parent",
            ));
        }
        if before.parent_id != Some(p) {
            image.refuse_loop(id, p)?;
        }
    }
    Ok((before != &fields).then_some(fields))
}

/// Writes the accounts' fields as the image holds them now.
async fn write_held(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    now: &str,
    image: &Image,
    ids: &[AccountId],
) -> Result<()> {
    let rows: Vec<(AccountId, &AccountFields)> = ids
        .iter()
        .filter_map(|id| image.slot_of(*id).map(|s| (*id, image.get(s))))
        .collect();
    update_accounts(conn, engine, now, &rows).await
}

/// Keeps, or forgets, the owners' names each saved row gave: only where they differ from what
/// is kept already.
async fn keep_owner_names(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    image: &Image,
    wanted: Vec<(Slot, OwnerNames)>,
) -> Result<()> {
    let mut kept = all_kept(conn).await?;
    let mut changes = Vec::new();
    for (slot, names) in wanted {
        let id = image.id(slot);
        for (f, name) in names {
            if kept.get(&(id.0, f)) != name.as_ref() {
                match &name {
                    Some(n) => kept.insert((id.0, f), n.clone()),
                    None => kept.remove(&(id.0, f)),
                };
                changes.push((id, f, name));
            }
        }
    }
    // Two rows of the file may name the same account: the last one's names are kept.
    let mut last = HashSet::new();
    changes.reverse();
    changes.retain(|(id, f, _)| last.insert((*id, *f)));
    changes.reverse();
    set_many(conn, engine, changes).await
}
