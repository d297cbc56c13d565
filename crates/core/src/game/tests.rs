use super::*;
use proptest::prelude::*;
use uuid::Uuid;

fn uid(i: usize) -> UserId {
    UserId::from_uuid(Uuid::from_u128(i as u128 + 1))
}

fn players(n: usize) -> Vec<Player> {
    (0..n)
        .map(|i| Player {
            user: uid(i),
            rating: 1000 + 10 * i as i32,
            games_played: 5 * i as u32,
            connected: true,
        })
        .collect()
}

fn game(n: usize, round_secs: u32, seed: u64) -> Game {
    Game::new(players(n), round_secs, seed).expect("a valid game")
}

fn with_role(game: &Game, role: Role) -> Vec<UserId> {
    game.players()
        .map(|p| p.user)
        .filter(|u| game.role_of(*u) == Some(role))
        .collect()
}

/// Ticks until the game is over; returns every event with the remaining time after its tick.
fn play_out(game: &mut Game) -> Vec<(u32, GameEvent)> {
    let mut events = Vec::new();
    while !game.is_over() {
        let events_now = game.tick();
        events.extend(events_now.into_iter().map(|e| (game.remaining_secs(), e)));
    }
    events
}

fn result_of(outcome: &Outcome, user: UserId) -> &PlayerResult {
    outcome
        .players
        .iter()
        .find(|r| r.user == user)
        .expect("every player has a result")
}

#[test]
fn needs_three_to_ten_distinct_players() {
    assert_eq!(
        Game::new(players(2), 60, 1),
        Err(Rejection::NotEnoughPlayers)
    );
    assert_eq!(Game::new(players(11), 60, 1), Err(Rejection::LobbyFull));
    let mut repeated = players(2);
    repeated.push(repeated[0].clone());
    assert_eq!(Game::new(repeated, 60, 1), Err(Rejection::NotEnoughPlayers));
    assert!(Game::new(players(3), 60, 1).is_ok());
    assert!(Game::new(players(10), 60, 1).is_ok());
}

#[test]
fn one_mole_below_eight_players_two_from_eight() {
    for n in 3..=10 {
        for seed in 0..40 {
            let moles = with_role(&game(n, 60, seed), Role::Mole).len();
            assert_eq!(
                moles,
                if n >= 8 { 2 } else { 1 },
                "{n} players, seed {seed}"
            );
        }
    }
}

#[test]
fn the_seed_picks_the_moles_and_any_player_can_be_one() {
    assert_eq!(game(5, 60, 42), game(5, 60, 42));
    let mut ever_mole = [false; 5];
    for seed in 0..100 {
        for mole in with_role(&game(5, 60, seed), Role::Mole) {
            ever_mole[(0..5).position(|i| uid(i) == mole).expect("a player")] = true;
        }
    }
    assert!(ever_mole.iter().all(|m| *m));
}

#[test]
fn moles_see_each_other_and_their_suspicions_agents_see_only_themselves() {
    let mut g = game(8, 60, 3);
    let moles = with_role(&g, Role::Mole);
    let agents = with_role(&g, Role::Agent);
    g.suspect(moles[1], Some(agents[0]))
        .expect("a valid suspicion");
    g.suspect(agents[1], Some(moles[0]))
        .expect("a valid suspicion");

    let mole_view = g.view_for(moles[0]).expect("a player");
    assert_eq!(mole_view.role, Role::Mole);
    assert_eq!(
        mole_view.fellow_moles,
        [FellowMole {
            user: moles[1],
            target: Some(agents[0])
        }]
    );

    let agent_view = g.view_for(agents[1]).expect("a player");
    assert_eq!(agent_view.role, Role::Agent);
    assert!(agent_view.fellow_moles.is_empty());
    assert_eq!(agent_view.target, Some(moles[0]));
    let json = serde_json::to_string(&agent_view).expect("serializes");
    assert_eq!(
        json.matches("\"role\"").count(),
        1,
        "only the viewer's own role: {json}"
    );
    assert!(!json.contains("mole\""), "{json}");
    assert_eq!(g.view_for(uid(99)), None);
}

#[test]
fn views_show_public_heat_and_suspicion_counts_in_snake_case() {
    let mut g = game(4, 60, 1);
    g.suspect(uid(0), Some(uid(2))).expect("valid");
    g.suspect(uid(1), Some(uid(2))).expect("valid");
    g.tick();
    let view = g.view_for(uid(3)).expect("a player");
    assert_eq!(view.target, None);
    assert_eq!(view.remaining_secs, 59);
    let status = &view.players[2];
    assert_eq!(
        (status.heat, status.suspected_by, status.connected),
        (2, 2, true)
    );
    let json = serde_json::to_value(&view).expect("serializes");
    for key in [
        "you",
        "role",
        "fellow_moles",
        "round_secs",
        "remaining_secs",
        "target",
        "players",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["players"][2]["suspected_by"], 2);
}

#[test]
fn suspecting_yourself_a_stranger_or_as_an_outsider_is_refused() {
    let mut g = game(3, 60, 1);
    assert_eq!(g.suspect(uid(0), Some(uid(0))), Err(Rejection::SuspectSelf));
    assert_eq!(
        g.suspect(uid(0), Some(uid(7))),
        Err(Rejection::UnknownTarget)
    );
    assert_eq!(g.suspect(uid(7), Some(uid(0))), Err(Rejection::NotInGame));
    assert_eq!(g.suspect(uid(0), Some(uid(1))), Ok(()));
    assert_eq!(
        g.suspect(uid(0), Some(uid(1))),
        Ok(()),
        "the same target again is fine"
    );
    assert_eq!(g.suspect(uid(0), None), Ok(()));
    assert_eq!(g.view_for(uid(0)).and_then(|v| v.target), None);
}

#[test]
fn heat_grows_by_suspicions_and_doubles_from_the_tick_that_leaves_thirty_seconds() {
    let mut g = game(3, 40, 1);
    g.suspect(uid(0), Some(uid(2))).expect("valid");
    g.suspect(uid(1), Some(uid(2))).expect("valid");
    let heat = |g: &Game| g.view_for(uid(2)).map(|v| v.players[2].heat);
    g.tick();
    assert_eq!(heat(&g), Some(2));
    while g.remaining_secs() > 31 {
        g.tick();
    }
    assert_eq!(heat(&g), Some(2 * 9));
    g.tick();
    assert_eq!(g.remaining_secs(), 30);
    assert_eq!(
        heat(&g),
        Some(2 * 9 + 4),
        "the tick landing on 30 s counts double"
    );
    play_out(&mut g);
    let outcome = g.outcome().expect("over");
    assert_eq!(result_of(outcome, uid(2)).heat, 2 * 9 + 4 * 31);
}

#[test]
fn a_short_round_doubles_every_tick() {
    let mut g = game(3, 5, 1);
    g.suspect(uid(0), Some(uid(1))).expect("valid");
    play_out(&mut g);
    assert_eq!(result_of(g.outcome().expect("over"), uid(1)).heat, 2 * 5);
}

#[test]
fn a_disconnected_players_suspicion_adds_no_heat_until_they_return() {
    let mut g = game(5, 60, 1);
    let agent = with_role(&g, Role::Agent)[0];
    let target = with_role(&g, Role::Agent)[1];
    g.suspect(agent, Some(target)).expect("valid");
    g.set_connected(agent, false);
    g.tick();
    assert_eq!(
        g.view_for(target)
            .map(|v| v.players.iter().map(|p| p.heat).sum()),
        Some(0)
    );
    g.set_connected(agent, true);
    g.tick();
    let status = g
        .view_for(target)
        .and_then(|v| v.players.into_iter().find(|p| p.user == target));
    assert_eq!(status.map(|s| (s.heat, s.suspected_by)), Some((1, 1)));
}

#[test]
fn news_points_are_distinct_in_time_order_and_inside_the_round() {
    assert_eq!(news_points(180), [120, 60, 30]);
    assert_eq!(news_points(90), [60, 30]);
    assert_eq!(news_points(60), [40, 30, 20]);
    assert_eq!(news_points(30), [20, 10]);
    assert_eq!(news_points(10), [6, 3]);
    assert_eq!(news_points(2), [1]);
    assert!(news_points(1).is_empty());
    assert_eq!(news_points(u32::MAX).len(), 3);
}

#[test]
fn breaking_news_arrives_at_each_point_exactly_once() {
    let mut g = game(6, 180, 9);
    g.suspect(uid(0), Some(uid(1))).expect("valid");
    let news: Vec<u32> = play_out(&mut g)
        .into_iter()
        .filter_map(|(remaining, e)| matches!(e, GameEvent::News(_)).then_some(remaining))
        .collect();
    assert_eq!(news, [120, 60, 30]);
}

#[test]
fn news_never_names_a_mole_nor_narrows_the_field_to_the_moles() {
    for n in 3..=10 {
        for seed in 0..60 {
            let mut g = game(n, 60, seed);
            for i in 0..n {
                g.suspect(uid(i), Some(uid((i + 1 + seed as usize % (n - 1)) % n)))
                    .expect("valid");
            }
            for (_, event) in play_out(&mut g) {
                if let GameEvent::News(Headline::InnocentCleared { user }) = event {
                    assert_eq!(g.role_of(user), Some(Role::Agent));
                }
            }
            let view = g.view_for(uid(0)).expect("a player");
            let uncleared = view.players.iter().filter(|p| !p.cleared).count();
            assert!(
                uncleared > with_role(&g, Role::Mole).len(),
                "{n} players, seed {seed}"
            );
            for p in view.players.iter().filter(|p| p.cleared) {
                assert_eq!(g.role_of(p.user), Some(Role::Agent));
            }
        }
    }
}

#[test]
fn headlines_have_a_tagged_wire_form_and_a_text() {
    let headline = Headline::InnocentCleared { user: uid(0) };
    let json = serde_json::to_string(&headline).expect("serializes");
    assert_eq!(
        json,
        format!(r#"{{"kind":"innocent_cleared","user":"{}"}}"#, uid(0))
    );
    let name = |u: UserId| {
        if u == uid(0) {
            "Ada".to_owned()
        } else {
            "Bo".to_owned()
        }
    };
    assert!(headline.text(name).contains("Ada has been cleared"));
    let suspects = Headline::MoleSuspects { target: None };
    assert_eq!(
        serde_json::to_string(&suspects).expect("serializes"),
        r#"{"kind":"mole_suspects","target":null}"#
    );
    let most = Headline::MostSuspected {
        user: uid(1),
        suspicions: 1,
    };
    assert!(most.text(name).contains("Bo — 1 player suspects them"));
    assert!(
        Headline::AgentsOnMole { agents: 3 }
            .text(name)
            .contains("3 agents")
    );
}

#[test]
fn exposing_a_mole_wins_for_the_agents() {
    let mut g = game(4, 60, 5);
    let mole = with_role(&g, Role::Mole)[0];
    let agents = with_role(&g, Role::Agent);
    for agent in &agents {
        g.suspect(*agent, Some(mole)).expect("valid");
    }
    g.suspect(mole, Some(agents[0])).expect("valid");
    let events = play_out(&mut g);
    let Some((0, GameEvent::Over(outcome))) = events.last() else {
        panic!("the last event is the end at 0 s: {events:?}");
    };
    assert_eq!(outcome.winner, Some(Side::Agents));
    assert_eq!(outcome.reason, EndReason::Exposed { user: mole });
    let agent = result_of(outcome, agents[1]);
    assert!(agent.won && agent.rating_delta > 0);
    assert_eq!(
        (agent.xp, agent.coins, agent.final_suspect),
        (125, 30, Some(mole))
    );
    let loser = result_of(outcome, mole);
    assert!(!loser.won && loser.rating_delta < 0);
    assert_eq!((loser.xp, loser.coins, loser.role), (50, 10, Role::Mole));
}

#[test]
fn exposing_an_agent_wins_for_the_moles_and_rewards_the_frame() {
    let mut g = game(5, 30, 5);
    let mole = with_role(&g, Role::Mole)[0];
    let agents = with_role(&g, Role::Agent);
    for suspect in agents.iter().skip(1).chain([&mole]) {
        g.suspect(*suspect, Some(agents[0])).expect("valid");
    }
    play_out(&mut g);
    let outcome = g.outcome().expect("over");
    assert_eq!(outcome.winner, Some(Side::Moles));
    assert_eq!(outcome.reason, EndReason::Exposed { user: agents[0] });
    assert_eq!(result_of(outcome, mole).xp, 50 + 50 + 25);
    assert_eq!(
        result_of(outcome, agents[1]).xp,
        50,
        "wrong suspicion, lost"
    );
}

#[test]
fn a_tie_at_the_top_or_no_heat_at_all_wins_for_the_moles() {
    let mut g = game(4, 20, 2);
    g.suspect(uid(0), Some(uid(1))).expect("valid");
    g.suspect(uid(1), Some(uid(0))).expect("valid");
    play_out(&mut g);
    let outcome = g.outcome().expect("over");
    assert_eq!(
        (outcome.winner, outcome.reason),
        (Some(Side::Moles), EndReason::TieAtTop)
    );

    let mut quiet = game(3, 20, 2);
    play_out(&mut quiet);
    let outcome = quiet.outcome().expect("over");
    assert_eq!(
        (outcome.winner, outcome.reason),
        (Some(Side::Moles), EndReason::TieAtTop)
    );
}

#[test]
fn a_side_without_connected_players_forfeits_on_the_next_tick() {
    let mut g = game(8, 60, 4);
    for mole in with_role(&g, Role::Mole) {
        g.set_connected(mole, false);
    }
    let events = g.tick();
    assert_eq!(g.remaining_secs(), 60, "the clock did not move");
    let [GameEvent::Over(outcome)] = events.as_slice() else {
        panic!("expected the end: {events:?}");
    };
    assert_eq!(outcome.winner, Some(Side::Agents));
    assert_eq!(outcome.reason, EndReason::Forfeit { side: Side::Moles });
    let mole = result_of(outcome, with_role(&g, Role::Mole)[0]);
    assert!(!mole.won && mole.rating_delta < 0);
    assert_eq!((mole.xp, mole.coins), (0, 0), "leavers earn nothing");

    let mut g = game(3, 60, 4);
    for agent in with_role(&g, Role::Agent) {
        g.set_connected(agent, false);
    }
    g.tick();
    let outcome = g.outcome().expect("over");
    assert_eq!(outcome.winner, Some(Side::Moles));
    assert_eq!(outcome.reason, EndReason::Forfeit { side: Side::Agents });
}

#[test]
fn a_game_nobody_is_connected_to_is_abandoned_without_any_change() {
    let mut g = game(5, 60, 4);
    for i in 0..5 {
        g.set_connected(uid(i), false);
    }
    g.tick();
    let outcome = g.outcome().expect("over");
    assert_eq!(
        (outcome.winner, outcome.reason),
        (None, EndReason::Abandoned)
    );
    for r in &outcome.players {
        assert_eq!((r.won, r.rating_delta, r.xp, r.coins), (false, 0, 0, 0));
    }
}

#[test]
fn a_finished_game_stays_finished() {
    let mut g = game(3, 3, 4);
    play_out(&mut g);
    let finished = g.clone();
    assert!(g.tick().is_empty());
    assert_eq!(g.suspect(uid(0), Some(uid(1))), Err(Rejection::GameOver));
    g.set_connected(uid(0), false);
    assert_eq!(g, finished);
}

#[derive(Debug, Clone)]
enum Input {
    Suspect(usize, Option<usize>),
    Connect(usize, bool),
    Tick,
}

fn inputs() -> impl Strategy<Value = Vec<Input>> {
    let input = prop_oneof![
        2 => (0..11usize, prop::option::of(0..11usize)).prop_map(|(w, t)| Input::Suspect(w, t)),
        1 => (0..11usize, any::<bool>()).prop_map(|(w, c)| Input::Connect(w, c)),
        4 => Just(Input::Tick),
    ];
    prop::collection::vec(input, 0..250)
}

/// Applies `inputs`; indices at or past the player count stand for strangers.
fn apply(game: &mut Game, inputs: &[Input]) -> Vec<GameEvent> {
    let mut events = Vec::new();
    for input in inputs {
        match *input {
            Input::Suspect(who, target) => {
                let _ = game.suspect(uid(who), target.map(uid));
            }
            Input::Connect(who, connected) => game.set_connected(uid(who), connected),
            Input::Tick => events.extend(game.tick()),
        }
    }
    events
}

proptest! {
    #[test]
    fn a_game_always_ends_within_its_round(
        n in 3usize..=10, round in 1u32..=120, seed in any::<u64>(), inputs in inputs(),
    ) {
        let mut g = game(n, round, seed);
        let mut ticks = 0;
        let mut events = Vec::new();
        for input in &inputs {
            if matches!(input, Input::Tick) {
                ticks += 1;
            }
            events.extend(apply(&mut g, std::slice::from_ref(input)));
        }
        while !g.is_over() && ticks < round {
            ticks += 1;
            events.extend(g.tick());
        }
        prop_assert!(g.is_over());
        let ends: Vec<usize> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, GameEvent::Over(_)))
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(ends.len(), 1);
        prop_assert_eq!(ends[0], events.len() - 1, "nothing after the end");
    }

    #[test]
    fn the_same_seed_and_inputs_replay_identically(
        n in 3usize..=10, round in 1u32..=120, seed in any::<u64>(), inputs in inputs(),
    ) {
        let mut first = game(n, round, seed);
        let mut second = game(n, round, seed);
        let mut events = (apply(&mut first, &inputs), apply(&mut second, &inputs));
        events.0.extend(play_out(&mut first).into_iter().map(|(_, e)| e));
        events.1.extend(play_out(&mut second).into_iter().map(|(_, e)| e));
        prop_assert_eq!(&events.0, &events.1);
        prop_assert_eq!(first.outcome(), second.outcome());
    }

    /// A game at n Hz, fed the same inputs with each second's tick split into n ticks, is the
    /// same game: same events, same views at every whole second, same outcome (heat per second
    /// and the round's length do not depend on the rate).
    #[test]
    fn a_game_at_any_tick_rate_plays_as_at_one_hertz(
        n in 3usize..=10, round in 1u32..=120, seed in any::<u64>(), inputs in inputs(),
        hz in 1u32..=MAX_TICK_HZ,
    ) {
        let mut slow = game(n, round, seed);
        let mut fast = Game::with_tick_rate(players(n), round, hz, seed).expect("a valid game");
        let mut events = (Vec::new(), Vec::new());
        let seconds = inputs.iter().cloned().chain(std::iter::repeat_n(Input::Tick, 130));
        for input in seconds {
            match input {
                Input::Tick => {
                    events.0.extend(slow.tick());
                    for _ in 0..hz {
                        events.1.extend(fast.tick());
                    }
                    for i in 0..n {
                        prop_assert_eq!(slow.view_for(uid(i)), fast.view_for(uid(i)));
                    }
                }
                other => {
                    apply(&mut slow, std::slice::from_ref(&other));
                    apply(&mut fast, std::slice::from_ref(&other));
                }
            }
        }
        prop_assert!(slow.is_over());
        prop_assert_eq!(&events.0, &events.1);
        prop_assert_eq!(slow.outcome(), fast.outcome());
    }

    #[test]
    fn a_game_resumed_from_its_snapshot_continues_identically(
        n in 3usize..=10, round in 1u32..=120, seed in any::<u64>(), inputs in inputs(),
        split in any::<prop::sample::Index>(),
    ) {
        let (before, after) = inputs.split_at(split.index(inputs.len() + 1));
        let mut original = game(n, round, seed);
        apply(&mut original, before);
        let snapshot = serde_json::to_string(&original).expect("serializes");
        let mut resumed: Game = serde_json::from_str(&snapshot).expect("deserializes");
        prop_assert_eq!(&resumed, &original);
        let mut events = (apply(&mut original, after), apply(&mut resumed, after));
        events.0.extend(play_out(&mut original).into_iter().map(|(_, e)| e));
        events.1.extend(play_out(&mut resumed).into_iter().map(|(_, e)| e));
        prop_assert_eq!(&events.0, &events.1);
        prop_assert_eq!(original, resumed);
    }
}

#[test]
fn a_round_at_ten_hertz_is_ten_ticks_a_second_and_shows_whole_seconds() {
    let mut g = Game::with_tick_rate(players(3), 60, 10, 1).expect("a valid game");
    g.suspect(uid(0), Some(uid(1))).expect("valid");
    assert_eq!((g.remaining_ticks(), g.remaining_secs()), (600, 60));
    g.tick();
    assert_eq!((g.remaining_ticks(), g.remaining_secs()), (599, 60));
    assert_eq!(g.view_for(uid(1)).map(|v| v.players[1].heat), Some(0));
    for _ in 0..9 {
        g.tick();
    }
    assert_eq!((g.remaining_ticks(), g.remaining_secs()), (590, 59));
    assert_eq!(g.view_for(uid(1)).map(|v| v.players[1].heat), Some(1));
    let ticks = play_out(&mut g).len();
    assert!(g.is_over());
    assert!(ticks > 0);
    assert_eq!(g.remaining_ticks(), 0);
    assert_eq!(
        Game::with_tick_rate(players(3), 60, 99, 1).map(|g| g.tick_hz()),
        Ok(MAX_TICK_HZ)
    );
}

#[test]
fn a_snapshot_from_before_tick_rates_resumes_at_one_hertz() {
    let mut g = game(4, 60, 3);
    g.suspect(uid(0), Some(uid(1))).expect("valid");
    for _ in 0..5 {
        g.tick();
    }
    let mut old: serde_json::Value = serde_json::to_value(&g).expect("serializes");
    let fields = old.as_object_mut().expect("an object");
    fields.remove("tick_hz");
    let ticks = fields.remove("remaining_ticks").expect("the clock");
    fields.insert("remaining_secs".into(), ticks);
    for c in fields["contestants"].as_array_mut().expect("contestants") {
        let c = c.as_object_mut().expect("an object");
        let heat = c.remove("heat_ticks").expect("heat");
        c.insert("heat".into(), heat);
    }
    let resumed: Game = serde_json::from_value(old).expect("an old snapshot reads");
    assert_eq!(resumed, g);
}
