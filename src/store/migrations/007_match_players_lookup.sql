-- GET /players/:name/matches finds a player's rows by name and then by identity (src/store/mysql/leaderboard.ts):
-- without these keys each look-up reads every row of match_players. The leaderboard itself reads the
-- matches of its period through idx_matches_ended_at (002). Added only when missing.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.STATISTICS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'match_players' AND INDEX_NAME = 'idx_match_players_name') = 0,
              'ALTER TABLE match_players ADD KEY idx_match_players_name (name)',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;

SET @ddl = IF((SELECT COUNT(*) FROM information_schema.STATISTICS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'match_players' AND INDEX_NAME = 'idx_match_players_identity') = 0,
              'ALTER TABLE match_players ADD KEY idx_match_players_identity (player_identity)',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;
