set threads -1
