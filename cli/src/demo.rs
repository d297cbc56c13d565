//! `whoosh demo seed`: players, finished matches and arcade scores, so a fresh stack has
//! something to look at. Matches are played by the real game rules (random suspicions, a full
//! round) and recorded through the same code path as the edge's results, so ratings, XP, coins,
//! match history and leaderboards are all consistent. Deterministic for a given `--seed`, and
//! idempotent: running it again adds nothing.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use uuid::Uuid;
use whoosh_core::{
    DeviceId, DisplayName, UserId,
    game::{Game, Player},
};
use whoosh_http::AppState;
use whoosh_store::matches::MatchRecord;

const NAMES: &[&str] = &[
    "Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou", "Max", "Nia",
    "Oz", "Pip", "Quin", "Rae", "Sol", "Tess", "Uma", "Vic", "Wren", "Xan", "Yara", "Zed",
];

/// What a seed run created (or found already there).
#[derive(Debug, Default)]
pub struct Seeded {
    pub players: usize,
    pub matches_recorded: usize,
    pub matches_already_there: usize,
}

/// Seeds `players` demo guests, `matches` finished matches among them and an arcade score each.
pub async fn seed(
    state: &AppState,
    players: usize,
    matches: usize,
    seed: u64,
    progress: bool,
) -> anyhow::Result<Seeded> {
    anyhow::ensure!(
        players >= 3,
        "--players must be at least 3 (a game needs three)"
    );
    let mut rng = StdRng::seed_from_u64(seed);
    let mut users = Vec::with_capacity(players);
    for i in 0..players {
        let device = DeviceId::parse(&format!("demo-{seed:016x}-{i:06}"))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let name = format!("{} {}", NAMES[i % NAMES.len()], i / NAMES.len() + 1);
        let name = DisplayName::parse(&name).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (account, _) = whoosh_store::accounts::guest_for_device(&state.db, &device, &name)
            .await
            .context("creating demo players")?;
        users.push(account.id);
    }
    let bar = if progress {
        ProgressBar::new(matches as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} matches ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("playing demo matches");
    let mut out = Seeded {
        players,
        ..Seeded::default()
    };
    for m in 0..matches {
        let size = rng.gen_range(3..=players.min(8));
        let mut table: Vec<Uuid> = users.choose_multiple(&mut rng, size).copied().collect();
        table.sort();
        let record = play(state, &table, seed, m as u64, &mut rng).await?;
        let changed = whoosh_store::matches::record(&state.db, &record)
            .await
            .context("recording a demo match")?;
        match changed {
            Some(recorded) => {
                out.matches_recorded += 1;
                whoosh_http::leaderboards::write_through(state, &recorded.changed).await;
            }
            None => out.matches_already_there += 1,
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if out.matches_recorded > 0 {
        for &user in &users {
            let mut tx = state.db.begin().await?;
            let score = rng.gen_range(10..=500);
            let changed = whoosh_store::leaderboards::add(&mut tx, "score", user, score, None)
                .await
                .map_err(|e| anyhow::anyhow!("adding a demo score: {e}"))?;
            tx.commit().await?;
            whoosh_http::leaderboards::write_through(state, &changed).await;
        }
    }
    // Build each board's index from PostgreSQL, so reads and the drift check agree at once.
    for board in whoosh_store::leaderboards::boards(&state.db).await? {
        whoosh_http::leaderboards::rebuild(state, &board.id)
            .await
            .map_err(|e| anyhow::anyhow!("rebuilding the {} board: {e}", board.id))?;
    }
    Ok(out)
}

/// Plays one match among `table` by the real rules, with random suspicions, to its end.
async fn play(
    state: &AppState,
    table: &[Uuid],
    seed: u64,
    index: u64,
    rng: &mut StdRng,
) -> anyhow::Result<MatchRecord> {
    let mut players = Vec::with_capacity(table.len());
    for &user in table {
        let profile = whoosh_store::profiles::find(&state.db, user)
            .await?
            .context("a demo player vanished")?;
        players.push(Player {
            user: UserId::from(user),
            rating: profile.elo,
            games_played: u32::try_from(profile.games_played).unwrap_or(0),
            connected: true,
        });
    }
    let round = 60;
    let mut game = Game::new(players, round, rng.r#gen()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids: Vec<UserId> = table.iter().map(|u| UserId::from(*u)).collect();
    while !game.is_over() {
        if rng.gen_bool(0.2) {
            let who = ids[rng.gen_range(0..ids.len())];
            let target = ids[rng.gen_range(0..ids.len())];
            let _ = game.suspect(who, (who != target).then_some(target));
        }
        game.tick();
    }
    let outcome = game.outcome().context("a finished game has an outcome")?;
    // A stable id per (seed, index): seeding twice records each match once.
    let id = Uuid::from_u64_pair(seed, index);
    let finished = time::OffsetDateTime::now_utc() - time::Duration::minutes((index * 7) as i64);
    let started = finished - time::Duration::seconds(i64::from(round));
    Ok(whoosh_edge::results::record_of(
        id, "party", started, finished, outcome,
    ))
}
