"""Neighbour clusters for the pointwise ridge: each point and its nearest neighbours drawn exactly.

The pointwise ridge (:func:`rgflow.ridge.pointwise_errors`) replaces the draw indicator z_j of every point by its
mean weight p ω_j. Where the test error hangs on whether a point's few close neighbours are drawn (a small
ridge on clustered data), that is not enough. Here, for each point i, the cluster C = {i} ∪ {its c − 1 nearest
neighbours by kernel value} keeps its indicators: the residual of KRR with the drawn set S ⊆ C, the other
points at their pointwise weights, is a rank-|S| update of the resolvent B_C = K diag(p ω, 0 on C) + κ,

    r_i(S) = ρ'_i − x_S·ρ'_S,   x_S = (I + Wᵀ)_SS⁻¹ W_{iS},   ρ' = κ B_C⁻¹ f,  W = [B_C⁻¹ K]_CC,

and the other points' draws enter through their pointwise fluctuation sources ω¹_j ω²_j ((1 − p) E_j + σ²)/(PN)
(E_j the cavity moments, :func:`rgflow.ridge._cavity_moments`) against point i's row of P B_S⁻¹ K. Averaging
over S with probability p^|S| (1 − p)^(c − |S|) gives point i's share of the cross error; the drawn cluster
points add their label noise σ² Σ_{j∈S} [B_S⁻¹K]_ij². c = 1 is the pointwise ridge exactly; c = N (every point
in every cluster) is the exact average over Bernoulli(p) draws (tests/test_pointwise_cluster.py). Subsets with
more than k drawn points (probability at most ``_TAIL``) keep the pointwise value; with ``neighbours="auto"`` c is
the largest cluster whose subsets number at most min(``_BUDGET``, ``_WORK``/N) (docs/theory.md §5).
"""

from __future__ import annotations

import functools
import math

import numpy as np

_BUDGET = 4096  # subsets per point for neighbours="auto" ...
_WORK = 2**22  # ... and at most this many subsets over all points (the cost is ~ N × subsets × c² per pair of ridges)
_TAIL = 1e-3  # probability of the subsets left to the pointwise value
_CHUNK = 2**22  # floats per block of points (the points are processed in blocks)


def _binom_sf(k, c, p):
    """P(Binomial(c, p) > k)."""
    return float(sum(math.comb(c, j) * p**j * (1.0 - p) ** (c - j) for j in range(k + 1, c + 1)))


def _max_drawn(c, p):
    """The smallest k with P(more than k of c drawn) ≤ _TAIL."""
    k = 0
    while k < c and _binom_sf(k, c, p) > _TAIL:
        k += 1
    return k


def check_neighbours(neighbours, replace=False):
    """``neighbours``: "auto" or an int ≥ 0 (0: the plain pointwise ridge); i.i.d. draws have no clusters."""
    from ._checks import check_int

    if isinstance(neighbours, str) and neighbours == "auto":
        return 0 if replace else "auto"
    if isinstance(neighbours, (bool, np.bool_)) or not isinstance(neighbours, (int, np.integer)):
        raise ValueError(f"neighbours must be 'auto' or an integer >= 0, got {neighbours!r}")
    neighbours = check_int("neighbours", neighbours, low=0)
    if replace and neighbours:
        raise ValueError("neighbours must be 0 or 'auto' with replace=True: i.i.d. draws have no clusters")
    return neighbours


def cluster_size(p, N, neighbours="auto") -> tuple:
    """(c, k): the cluster size (the point and c − 1 neighbours) and the most drawn points summed exactly."""
    if p <= 0.0 or p >= 1.0 or neighbours == 0:
        return 1, 1  # i.i.d. draws have no clusters; at p = 1 every point is drawn and the pointwise ridge is exact
    if neighbours == "auto":
        budget = min(_BUDGET, _WORK // N)
        c = 1
        while c < N:
            k = _max_drawn(c + 1, p)
            if sum(math.comb(c + 1, j) for j in range(k + 1)) > budget:
                break
            c += 1
    else:
        c = min(int(neighbours) + 1, N)
    return c, _max_drawn(c, p)


@functools.lru_cache(maxsize=16)
def _subset_levels(c, k):
    """The subsets of range(c) with 0..k elements, level by level: (subsets (n, j), parent row in level j − 1);
    each subset is its parent (sorted, S[:, :-1]) with one larger element appended (S[:, -1])."""
    levels = [(np.zeros((1, 0), dtype=np.intp), None)]
    for _ in range(k):
        prev = levels[-1][0]
        last = prev[:, -1] if prev.shape[1] else np.full(len(prev), -1)
        parent = np.concatenate([np.full(c - 1 - t, r, dtype=np.intp) for r, t in enumerate(last)])
        if len(parent) == 0:
            break
        new = np.concatenate([np.arange(t + 1, c, dtype=np.intp) for t in last])
        levels.append((np.concatenate([prev[parent], new[:, None]], axis=1), parent))
    return levels


def cluster_cross_error(K, states, cavity, P, p, noise, c, k) -> np.ndarray:
    """The R × R cross errors E_ab = mean_i E[r^a_i r^b_i] over draws of P of the N points (each drawn with
    probability p), from the pointwise fixed points ``states`` at R ridges and their cavity moments
    ``cavity(s_a, s_b)`` (rgflow.ridge._cavity_moments), with clusters of c points and up to k drawn points summed
    exactly (module docstring)."""
    N = K.shape[0]
    R = len(states)
    pairs = [(a, b) for a in range(R) for b in range(a, R)]
    src_l, point_l = [], []
    for a, b in pairs:
        sa, sb = states[a], states[b]
        Ec = cavity(sa, sb)
        src_l.append((P * P) * sa.omega * sb.omega * ((1.0 - p) * Ec + noise) / (P * N))
        point_l.append((1.0 - p) * Ec + p * sa.w * sb.w * (Ec + sa.qbar * sb.qbar * noise))
    src, point = np.array(src_l), np.array(point_l)
    levels = _subset_levels(c, k)
    prob = np.concatenate([np.full(len(S), p**j * (1.0 - p) ** (c - j)) for j, (S, _) in enumerate(levels)])
    rest = 1.0 - float(prob.sum())
    start = np.cumsum([0] + [len(S) for S, _ in levels])  # each level's first row among all subsets
    drawn = np.zeros((len(prob), c))  # which cluster points each subset draws
    for (S, _), n0 in zip(levels, start):
        drawn[np.arange(n0, n0 + len(S))[:, None], S] = 1.0
    order = np.argsort(-K, axis=1, kind="stable")
    clusters = np.empty((N, c), dtype=np.intp)
    for i in range(N):  # the point itself first, then its c − 1 nearest by kernel value
        clusters[i] = np.concatenate([[i], order[i][order[i] != i][: c - 1]])
    ia, ib = np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])
    U = np.array([st.H for st in states]) / P  # B⁻¹K, B = K diag(p ω) + κ
    rho_all = np.array([st.rho for st in states])
    pw = p * np.array([st.omega for st in states])
    total = np.zeros(len(pairs))
    eye = np.eye(c)
    n_sub = len(prob)
    chunk = max(1, min(N, _CHUNK // (R * max(n_sub * c * c // 4, c * N))))
    for lo in range(0, N, chunk):
        C = clusters[lo : lo + chunk]  # (B, c)
        B = len(C)
        # B_C = B − K diag(p ω_C) on C: Woodbury on the c × c block, every ridge and point at once
        T = U[:, C[:, :, None], C[:, None, :]] * (-pw[:, C])[:, :, None, :]  # (R, B, c, c)
        TM = T @ np.linalg.inv(eye + T)
        rho = rho_all[:, C] - np.einsum("rbij,rbj->rbi", TM, rho_all[:, C])  # (R, B, c)
        uC = U[:, C] - TM @ U[:, C]  # (R, B, c, N): [B_C⁻¹K]_C·
        W = np.take_along_axis(uC, np.broadcast_to(C[None, :, None, :], (R, B, c, c)), axis=3)  # [B_C⁻¹K]_CC
        V = W.transpose(0, 1, 3, 2) + eye  # (I + W)ᵀ
        # Ã: per subset S the coefficients ã = e_i − x_S (on S): r_i(S) = ã·ρ', P[B_S⁻¹K]_i· = ã·P[B_C⁻¹K]_C·
        A = np.zeros((R, B, n_sub, c))
        A[..., 0] = 1.0
        g = W[:, :, 0, :]  # x_S solves (I + W)_SS x = W_iS; W is symmetric: (K D + κ)⁻¹K = K (D K + κ)⁻¹
        last = len(levels) - 1
        for j, (S, parent) in enumerate(levels[1:], start=1):
            new = S[:, -1]
            Vnn = V[:, :, new, new]
            if j == 1:
                s_ = Vnn
                x = (g[:, :, new] / s_)[..., None]
                Minv = (1.0 / s_)[..., None, None]
            else:  # bordering: S = parent + new, from the parent's inverse and solution
                bcol = V[:, :, S[:, :-1], new[:, None]]
                Mp = Minv[:, :, parent]
                Mb = np.matmul(Mp, bcol[..., None])[..., 0]
                s_ = Vnn - np.sum(bcol * Mb, axis=-1)
                xp = x[:, :, parent]
                x2 = (g[:, :, new] - np.sum(bcol * xp, axis=-1)) / s_
                x = np.concatenate([xp - Mb * x2[..., None], x2[..., None]], axis=-1)
                if j < last:  # the children's bordering needs this level's inverse
                    Minv = np.empty((R, B, len(S), j, j))
                    Minv[..., :-1, :-1] = Mp + Mb[..., :, None] * Mb[..., None, :] / s_[..., None, None]
                    Minv[..., :-1, -1] = Minv[..., -1, :-1] = -Mb / s_[..., None]
                    Minv[..., -1, -1] = 1.0 / s_
            A[:, :, np.arange(start[j], start[j] + len(S))[:, None], S] -= x
        # Σ_S prob ã_a ã_bᵀ for every pair of ridges at once (one (Rc) × (Rc) product per point): the residuals'
        # and the bath's sums are contractions of it
        Af = A.transpose(1, 0, 3, 2).reshape(B, R * c, n_sub)
        M = ((Af * prob) @ Af.transpose(0, 2, 1)).reshape(B, R, c, R, c)[:, ia, :, ib, :]  # (npairs, B, c, c)
        val = np.einsum("pbc,pbcd,pbd->pb", rho[ia], M, rho[ib])
        keep = np.ones((B, N))
        np.put_along_axis(keep, C, 0.0, axis=1)
        for n, (a, b) in enumerate(pairs):  # ⟨G_ab, M_ab⟩, G_ab = uC_a diag(src_ab, 0 on C) uC_bᵀ
            val[n] += np.einsum("bcn,bcn->b", M[n] @ uC[b], uC[a] * (src[n] * keep)[:, None, :])
        if noise:  # the drawn cluster points' own label noise: σ² Σ_{s∈S} [B_S⁻¹K]_is²
            Hs = (A @ W) * (drawn * np.sqrt(prob)[:, None])
            Hs = Hs.reshape(R, B, -1)
            val += noise * np.einsum("pbm,pbm->pb", Hs[ia], Hs[ib])
        total += val.sum(axis=1) + rest * point[:, lo : lo + B].sum(axis=1)
    E = np.empty((R, R))
    E[ia, ib] = E[ib, ia] = total / N
    return E
