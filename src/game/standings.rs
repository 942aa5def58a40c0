//! Ranking players by score.

use crate::host::events::Standing;

use super::Player;

/// Returns each player's competition rank ("1, 2, 2, 4"), in player order. Players the host
/// removed are not ranked and get rank 0.
pub fn rank_players(players: &[Player]) -> Vec<u32> {
    let order = sorted_order(players);
    let mut ranks = vec![0u32; players.len()];
    let mut previous: Option<(u64, u32)> = None;
    for (position, &i) in order.iter().enumerate() {
        let score = players[i].score;
        let rank = match previous {
            Some((s, r)) if s == score => r,
            _ => position as u32 + 1,
        };
        ranks[i] = rank;
        previous = Some((score, rank));
    }
    ranks
}

/// Returns the best `limit` standings, best first.
///
/// For a small `limit` this selects the top entries in linear time instead of sorting everyone,
/// because the live leaderboard is recomputed while thousands of answers arrive.
pub(super) fn standings(players: &[Player], limit: usize) -> Vec<Standing> {
    let mut order = ranked_players(players);
    let by_score = |a: &usize, b: &usize| players[*b].score.cmp(&players[*a].score).then(a.cmp(b));
    if limit < order.len() {
        order.select_nth_unstable_by(limit, by_score);
        order.truncate(limit);
    }
    order.sort_unstable_by(by_score);

    // Ranks count every player with a higher score, including those cut off by `limit`.
    let mut result: Vec<Standing> = Vec::with_capacity(order.len());
    for (position, &i) in order.iter().enumerate() {
        let p = &players[i];
        let rank = match result.last() {
            Some(last) if last.score == p.score => last.rank,
            _ => position as u32 + 1,
        };
        result.push(Standing {
            rank,
            name: p.name.clone(),
            score: p.score,
            correct: p.correct,
        });
    }
    result
}

fn sorted_order(players: &[Player]) -> Vec<usize> {
    let mut order = ranked_players(players);
    order.sort_by(|a, b| players[*b].score.cmp(&players[*a].score).then(a.cmp(b)));
    order
}

/// Returns the indexes of the players that take part in the standings: all but those the host
/// removed.
fn ranked_players(players: &[Player]) -> Vec<usize> {
    (0..players.len())
        .filter(|&i| players[i].kicked.is_none())
        .collect()
}
