# sae sweep: malformed lists and the wrong parameter for the architecture
set verbose 0
set errexit off
simulate cells=300 genes=100 seed=1
vae train epochs=2
sae sweep arch=topk k=4,x
sae sweep arch=topk k=0
sae sweep arch=relu-l1 k=4
sae sweep arch=topk l1=0.1
sae sweep arch=relu-l1 l1=0.1,-1
