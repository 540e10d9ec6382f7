s seed 1
