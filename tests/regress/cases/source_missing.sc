source no-such-file.sc
