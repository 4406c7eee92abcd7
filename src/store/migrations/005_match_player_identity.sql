-- A finished match keeps each player's token identity (the `sub` of their player token) when player
-- tokens were on (AUTH_JWT_SECRET / AUTH_JWKS_FILE); NULL for players seated without one and for
-- matches recorded before. Added only when missing, so a database that has it already is left as is.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'match_players' AND COLUMN_NAME = 'player_identity') = 0,
              'ALTER TABLE match_players ADD COLUMN player_identity VARCHAR(255) NULL',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;
