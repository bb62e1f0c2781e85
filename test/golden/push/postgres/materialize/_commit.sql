-- fcompile: the end of the transaction (on any failure, fcompile rolls it back instead).
COMMIT;
