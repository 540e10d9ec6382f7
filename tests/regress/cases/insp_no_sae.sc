set verbose 0
simulate cells=200 genes=40 seed=1
feature 0
