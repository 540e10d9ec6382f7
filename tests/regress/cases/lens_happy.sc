# gene lens, steering and enrichment on simulated data with strong cell types:
# feature 5 detects TypeC (F1 0.93); its lens and ablation move TypeC markers,
# steering it on in TypeB cells raises them, and its correlated genes are
# enriched for TYPEC_MARKERS (lens_sets.gmt: gene names as simulate makes them)
set threads 1
set verbose 0
simulate cells=800 genes=150 types=3 batches=2 conditions=2 seed=1 de-prob=0.1
vae train epochs=30 latent=8
sae train arch=topk k=2 features=12 epochs=30
features top=4 genes=off
lens 5 top=6
steer 5 value=0 top=6
select cell_type=TypeB
steer 5 value=2 top=4
enrich 5 genesets=lens_sets.gmt top=15
enrich 0 dim=on sign=- genesets=lens_sets.gmt top=15 sets=2
