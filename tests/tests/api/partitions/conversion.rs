//! A database of the release before partitions, converted by the migration.

use super::*;

/// The migrations of the release before partitions (all up to the conversion).
fn migrations_before_partitions(into: &Path) {
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../collector/migrations/postgres");
    for entry in std::fs::read_dir(all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "20261201000015" {
            std::fs::copy(&path, into.join(&name)).unwrap();
        }
    }
}

/// Copies every table `to` has from `from` (column by column, as `to` names them) and moves
/// each identity on past the copied ids. A table a later migration dropped (the key sessions
/// people's sessions replaced) has nothing to carry over, and is left empty.
async fn copy_tables(from: &str, to: &str) {
    let mut source = sqlx::PgConnection::connect(from).await.unwrap();
    let mut target = sqlx::PgConnection::connect(to).await.unwrap();
    let list_tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = \
         'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'";
    let still_there: Vec<(String,)> = sqlx::query_as(list_tables)
        .fetch_all(&mut source)
        .await
        .unwrap();
    let tables: Vec<(String,)> = sqlx::query_as(list_tables)
        .fetch_all(&mut target)
        .await
        .unwrap()
        .into_iter()
        .filter(|table| still_there.contains(table))
        .collect();
    // Rows arrive in any table order: foreign keys are checked by the copy's end instead.
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut target)
        .await
        .unwrap();
    for (table,) in tables {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name, is_identity FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&table)
        .fetch_all(&mut target)
        .await
        .unwrap();
        let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
        let list = names.join(", ");
        let data: Vec<_> = source
            .copy_out_raw(&format!("COPY (SELECT {list} FROM {table}) TO STDOUT"))
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let mut copy = target
            .copy_in_raw(&format!("COPY {table} ({list}) FROM STDIN"))
            .await
            .unwrap();
        for chunk in data {
            copy.send(chunk).await.unwrap();
        }
        copy.finish().await.unwrap();
        for (identity, _) in columns.iter().filter(|(_, i)| i == "YES") {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{identity}'), \
                 (SELECT COALESCE(MAX({identity}), 0) + 1 FROM {table}), false)"
            ))
            .execute(&mut target)
            .await
            .unwrap();
        }
    }
}

/// The indexes and constraints of `responses` and `response_keys`, and the sequence of ids.
async fn schema(url: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = rows(
        url,
        "SELECT indexname, indexdef FROM pg_indexes \
         WHERE tablename IN ('responses', 'response_keys') \
         UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE conrelid IN (CAST('responses' AS regclass), CAST('response_keys' AS regclass)) \
         UNION ALL SELECT 'id sequence', pg_get_serial_sequence('responses', 'id') \
         ORDER BY 1, 2",
    )
    .await;
    found.dedup();
    found
}

#[tokio::test]
async fn a_database_of_the_release_before_is_converted_with_nothing_lost() {
    // The data: answers over three months, an edit and an answer set aside, written by this
    // collector, then copied into a database built by the previous release's migrations.
    let Some(app) = TestApp::<PgStorage>::spawn().await else {
        return;
    };
    let site = &app.site.site;
    let now = koe_collector::clock::now_ms();
    answer(&app.storage, site, "autumn", noon(2025, 10, 3), 1).await;
    answer(&app.storage, site, "winter", noon(2025, 12, 24), 3).await;
    answer(&app.storage, site, "recent", now - DAY_MS, 2).await;
    answer(&app.storage, site, "recent", now - DAY_MS + 1, 4).await;
    let scanner = Source {
        client: Client::SuspectedScanner,
        flagged: true,
    };
    let aside = write(site, "recent", now - 10, 1, scanner);
    app.storage.save_answers(aside).await.unwrap();
    let before = app.snapshot().await;
    let (_, keys_before) = placement(&app.db.url).await;

    let old = TestDatabase::create(Backend::Postgres).await.unwrap();
    let folder = tempfile::tempdir().unwrap();
    migrations_before_partitions(folder.path());
    let mut conn = sqlx::PgConnection::connect(&old.url).await.unwrap();
    sqlx::migrate::Migrator::new(folder.path())
        .await
        .unwrap()
        .run(&mut conn)
        .await
        .unwrap();
    let kind: (String,) =
        sqlx::query_as("SELECT CAST(relkind AS TEXT) FROM pg_class WHERE relname = 'responses'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(kind.0, "r", "the release before kept one plain table");
    conn.close().await.unwrap();
    copy_tables(&app.db.url, &old.url).await;

    // The collector opens it: the conversion runs.
    let converted = PgStorage::open(&old.url).await.unwrap();
    let mut after = (Vec::new(), Vec::new(), Vec::new());
    for site in converted.sites().await.unwrap() {
        after.0.extend(converted.responses(site.id).await.unwrap());
        after.1.extend(converted.rollups(site.id).await.unwrap());
        after
            .2
            .extend(converted.impressions(site.id).await.unwrap());
    }
    assert_eq!(
        after, before,
        "every response (with its id), rollup and impression kept"
    );
    let (placed, keys) = placement(&old.url).await;
    assert_eq!(keys, keys_before, "one key per counted response");
    for (interaction, partition, set_aside) in &placed {
        let stored = before
            .0
            .iter()
            .find(|r| r.interaction.as_str() == interaction && r.set_aside == *set_aside)
            .unwrap();
        assert_eq!(partition, &partition_of(stored.state.created_at_ms));
    }
    no_drift(&converted).await;
    assert_eq!(
        schema(&old.url).await,
        schema(&app.db.url).await,
        "the converted tables are those a new database gets"
    );

    // And it goes on as before: an edit merges, a new answer gets the next id.
    let site = converted.sites().await.unwrap().remove(0);
    assert_eq!(
        answer(&converted, &site, "recent", now, 5).await,
        SubmissionStatus::Updated
    );
    let fresh = write(&site, "fresh", now, 4, Source::WIDGET);
    let saved = converted.save_answers(fresh).await.unwrap();
    let highest = before.0.iter().map(|r| r.id).max().unwrap();
    assert!(saved.id > highest, "ids go on after the copied ones");
    no_drift(&converted).await;
}
