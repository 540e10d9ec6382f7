# the table exports refuse what they cannot write, naming what is wrong
set verbose 0
set errexit off
simulate cells=300 genes=60 seed=1
export features
vae train epochs=2
sae train arch=topk k=2 features=8 epochs=2
export feature
export feature 99
export feature x
export dim 3x
export dim 99+ d.tsv
export coverage
export coverage label=nope
export features a.tsv b.tsv
export notes.txt
export missing_dir/features.tsv
