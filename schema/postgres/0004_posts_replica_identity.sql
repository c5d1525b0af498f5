-- A hard DELETE of a post reaches ClickHouse with the whole old row (author_id,
-- created_at), not only its id: ClickHouse's posts_by_author (ordered by author) can then
-- replace the post's row with the deleted one. Updates of posts are rare (a caption edit,
-- a soft delete), so the larger WAL records cost little.
ALTER TABLE posts REPLICA IDENTITY FULL;
