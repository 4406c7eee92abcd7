-- Finished matches and each player's result, written once when a game ends (GET /matches/recent
-- reads them back). The seed is kept so that a match can be replayed from its actions.
-- The checks mirror what the rules guarantee, so that a broken report fails instead of being stored.
CREATE TABLE IF NOT EXISTS matches (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  room_id     VARCHAR(64)     NOT NULL,
  code        CHAR(6)         NOT NULL,
  seed        INT UNSIGNED    NOT NULL,
  started_at  DATETIME(3)     NOT NULL,
  ended_at    DATETIME(3)     NOT NULL,
  rounds      INT UNSIGNED    NOT NULL,
  end_reason  VARCHAR(32)     NOT NULL,
  winner_name VARCHAR(64)     NOT NULL,
  PRIMARY KEY (id),
  KEY idx_matches_ended_at (ended_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- bankrupt_order: 1 = went bankrupt first, NULL while still standing. rank_in_match is the rank the
-- rules reported; GET /matches/recent ranks again from the facts, and the tests hold the two equal.
CREATE TABLE IF NOT EXISTS match_players (
  match_id       BIGINT UNSIGNED  NOT NULL,
  seat           TINYINT UNSIGNED NOT NULL,
  name           VARCHAR(64)      NOT NULL,
  final_money    INT              NOT NULL,
  net_worth      INT              NOT NULL,
  bankrupt       BOOLEAN          NOT NULL,
  bankrupt_order TINYINT UNSIGNED NULL,
  rank_in_match  TINYINT UNSIGNED NOT NULL,
  PRIMARY KEY (match_id, seat),
  UNIQUE KEY uq_match_players_bankrupt_order (match_id, bankrupt_order),
  UNIQUE KEY uq_match_players_rank (match_id, rank_in_match),
  CONSTRAINT fk_match_players_match FOREIGN KEY (match_id) REFERENCES matches (id) ON DELETE CASCADE,
  CONSTRAINT chk_match_players_bankrupt_order CHECK ((bankrupt = 0 AND bankrupt_order IS NULL) OR (bankrupt = 1 AND bankrupt_order IS NOT NULL AND bankrupt_order >= 1)),
  CONSTRAINT chk_match_players_rank CHECK (rank_in_match >= 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
