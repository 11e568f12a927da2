"""Evaluation against gold sets: retrieval (Recall@k, MRR), entity tagging (P/R/F1) and
question answering (country understood, gold quoted, abstention).  Not part of the query path."""
