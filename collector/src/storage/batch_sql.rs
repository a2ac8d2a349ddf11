//! The batch write path, for one backend: a whole group-commit batch of submissions merged
//! with set-based statements. Expanded next to `queries!` (it uses that module's `Conn`, its
//! imports and helpers such as `apply_deltas`); `$select_touched(site_id, interactions)` is
//! the backend's read (and lock, where writers run concurrently) of the responses a batch
//! touches.

macro_rules! batch_queries {
    ($db:ty, $select_touched:path) => {
        /// Merges a batch of submissions with set-based statements: one read of the responses
        /// they touch (per site), one multi-row insert of the new ones, one update per changed
        /// existing one, and the rollup changes of the whole batch summed into a few upserts.
        /// Gives each write's outcome, in order. `Err` when a statement failed or another
        /// writer created one of the batch's responses meanwhile: the caller rolls back and
        /// applies the writes one by one. The caller owns the transaction.
        pub(in crate::storage) async fn apply_answer_batch(
            conn: &mut Conn,
            writes: &[&AnswerWrite],
        ) -> Result<Vec<Result<Saved, StorageError>>, StorageError> {
            use std::collections::{BTreeMap, HashMap};
            use crate::response::ResponseState;

            type Key = (i64, String);
            let mut wanted: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
            for write in writes {
                wanted.entry(write.site_id).or_default().push(write.interaction.as_str());
            }
            // What each touched response is now: its id (None until inserted) and state.
            let mut current: HashMap<Key, (Option<i64>, ResponseState)> = HashMap::new();
            for (site_id, mut interactions) in wanted {
                interactions.sort_unstable();
                interactions.dedup();
                for chunk in interactions.chunks(sql::ROWS_PER_STATEMENT) {
                    let rows = $select_touched(&mut *conn, site_id, chunk).await?;
                    for row in rows {
                        let stored = StoredResponse::try_from(row)?;
                        current.insert((site_id, stored.interaction.as_str().to_owned()), (Some(stored.id), stored.state));
                    }
                }
            }

            let mut outcomes = Vec::with_capacity(writes.len());
            let mut deltas: BTreeMap<(i64, RollupKey), RollupCounters> = BTreeMap::new();
            let mut changed: Vec<Key> = Vec::new();
            for write in writes {
                let key: Key = (write.site_id, write.interaction.as_str().to_owned());
                let before = current.get(&key);
                let before_state = before.map(|(_, state)| state);
                match write.apply_to(before_state) {
                    Err(conflict) => outcomes.push(Err(conflict)),
                    Ok(after) => {
                        for delta in response_deltas(before_state, &after) {
                            deltas.entry((write.site_id, delta.key)).or_default().add(&delta.counters);
                        }
                        let status = AnswerWrite::status(before_state);
                        let id = before.and_then(|(id, _)| *id);
                        if !changed.contains(&key) {
                            changed.push(key.clone());
                        }
                        current.insert(key.clone(), (id, after));
                        outcomes.push(Ok((key, status)));
                    }
                }
            }

            let (existing, mut new): (Vec<&Key>, Vec<&Key>) = changed.iter().partition(|key| current[*key].0.is_some());
            // Inserted in key order: concurrent batches wait on each other's new rows in one order.
            new.sort_unstable();
            for key in existing {
                let (id, state) = &current[key];
                bind_response_columns(sqlx::query(sql::UPDATE_RESPONSE), &ResponseColumns::of(state))
                    .bind(*id)
                    .execute(&mut *conn)
                    .await?;
            }
            let mut inserted: HashMap<Key, i64> = HashMap::new();
            for chunk in new.chunks(sql::ROWS_PER_STATEMENT / 2) {
                let mut query = sqlx::QueryBuilder::<$db>::new(format!("INSERT INTO responses ({}, site_id, interaction) ", sql::WRITTEN_RESPONSE_COLUMNS));
                query.push_values(chunk, |mut row, key| {
                    let c = ResponseColumns::of(&current[*key].1);
                    row.push_bind(c.agent).push_bind(c.team).push_bind(c.channel).push_bind(c.verified)
                        .push_bind(c.csat).push_bind(c.nps).push_bind(c.ces).push_bind(c.resolved)
                        .push_bind(c.comment).push_bind(c.reasons).push_bind(c.locale).push_bind(c.day)
                        .push_bind(c.created_at_ms).push_bind(c.updated_at_ms).push_bind(c.client).push_bind(c.flagged)
                        .push_bind(key.0).push_bind(key.1.as_str());
                });
                query.push(" ON CONFLICT (site_id, interaction) DO NOTHING RETURNING id, site_id, interaction");
                let rows: Vec<(i64, i64, String)> = query.build_query_as().fetch_all(&mut *conn).await?;
                if rows.len() != chunk.len() {
                    return Err(StorageError::Raced);
                }
                inserted.extend(rows.into_iter().map(|(id, site_id, interaction)| ((site_id, interaction), id)));
            }
            apply_deltas(conn, &deltas).await?;

            Ok(outcomes
                .into_iter()
                .map(|outcome| {
                    let (key, status) = outcome?;
                    let id = current[&key].0.or_else(|| inserted.get(&key).copied());
                    let id = id.ok_or_else(|| StorageError::Corrupt("a batch response has no id".into()))?;
                    Ok(Saved { id, status })
                })
                .collect())
        }
    };
}

pub(super) use batch_queries;
