// ValueChainGraph: hubs (degree and Brandes betweenness) and connected
// clusters, over the link edges of a sector/province subgraph.
#include <algorithm>
#include <mutex>
#include <random>
#include <unordered_map>

#include <boost/graph/betweenness_centrality.hpp>
#include <boost/pending/disjoint_sets.hpp>

#include "engine/graph_internal.h"

namespace ketnoi::engine {

using graph_internal::IsLinkType;
using graph_internal::State;
using graph_internal::VInfo;

namespace {

using UGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

// The analysed subgraph: entity vertices and the link edges among them, in
// local indexes 0..n-1.
struct Subgraph {
  std::vector<uint32_t> vertices;                 // local -> graph vertex
  std::vector<std::pair<uint32_t, uint32_t>> edges;  // local endpoints
};

// REQUIRES: rep.mu held.
StatusOr<Subgraph> Select(const ValueChainGraph::Rep& rep, const State& st,
                          std::string_view chain, std::string_view province) {
  const Chain* c = nullptr;
  if (!chain.empty()) {
    auto r = rep.ResolveChain(chain);
    if (!r.ok()) return r.status();
    c = *r;
  }
  int p = -1;
  if (!province.empty()) {
    auto r = rep.ResolveProvince(province);
    if (!r.ok()) return r.status();
    p = *r;
  }
  Subgraph sub;
  std::vector<uint8_t> in(boost::num_vertices(st.g), 0);
  auto take = [&](uint32_t v) {
    if (!in[v]) {
      in[v] = 1;
      sub.vertices.push_back(v);
    }
  };
  const size_t width = rep.P() + 1;
  if (c != nullptr) {
    for (const ChainStage& cs : c->stages) {
      for (size_t q = 0; q < width; ++q) {
        if (p >= 0 && q != static_cast<size_t>(p) && q != rep.P()) continue;
        for (uint32_t v : st.buckets[cs.index * width + q]) {
          const VInfo& vi = st.info[v];
          if (p >= 0 && vi.kind != VertexKind::kSupplier && vi.province != p) continue;
          take(v);
        }
      }
    }
  } else {
    for (uint32_t v = 0; v < st.info.size(); ++v) {
      const VInfo& vi = st.info[v];
      if (!vi.alive || vi.kind == VertexKind::kStage) continue;
      if (p >= 0 && vi.province != p) continue;
      take(v);
    }
  }
  std::sort(sub.vertices.begin(), sub.vertices.end());
  std::unordered_map<uint32_t, uint32_t> local;
  local.reserve(sub.vertices.size());
  for (uint32_t i = 0; i < sub.vertices.size(); ++i) local[sub.vertices[i]] = i;
  for (uint32_t i = 0; i < sub.vertices.size(); ++i) {
    for (auto [e, end] = boost::out_edges(sub.vertices[i], st.g); e != end; ++e) {
      if (!IsLinkType(st.g[*e].type)) continue;
      auto it = local.find(static_cast<uint32_t>(boost::target(*e, st.g)));
      if (it != local.end() && it->second != i) sub.edges.emplace_back(i, it->second);
    }
  }
  return sub;
}

// Brandes' dependency accumulation from `sources` only, over an undirected
// adjacency list; the sum is scaled by n / |sources| and halved (each pair
// is seen from both ends), which is exact when every vertex is a source.
std::vector<double> SampledBetweenness(const std::vector<std::vector<uint32_t>>& adj,
                                       const std::vector<uint32_t>& sources) {
  const size_t n = adj.size();
  std::vector<double> bc(n, 0), delta(n);
  std::vector<double> sigma(n);
  std::vector<int> dist(n);
  std::vector<std::vector<uint32_t>> pred(n);
  std::vector<uint32_t> order, queue;
  for (uint32_t s : sources) {
    std::fill(sigma.begin(), sigma.end(), 0);
    std::fill(dist.begin(), dist.end(), -1);
    std::fill(delta.begin(), delta.end(), 0);
    for (auto& p : pred) p.clear();
    order.clear();
    queue.assign(1, s);
    sigma[s] = 1;
    dist[s] = 0;
    for (size_t h = 0; h < queue.size(); ++h) {
      uint32_t v = queue[h];
      order.push_back(v);
      for (uint32_t w : adj[v]) {
        if (dist[w] < 0) {
          dist[w] = dist[v] + 1;
          queue.push_back(w);
        }
        if (dist[w] == dist[v] + 1) {
          sigma[w] += sigma[v];
          pred[w].push_back(v);
        }
      }
    }
    for (size_t k = order.size(); k-- > 0;) {
      uint32_t w = order[k];
      for (uint32_t v : pred[w]) delta[v] += sigma[v] / sigma[w] * (1 + delta[w]);
      if (w != s) bc[w] += delta[w];
    }
  }
  const double scale = sources.empty() ? 0 : static_cast<double>(n) / sources.size() / 2.0;
  for (double& x : bc) x *= scale;
  return bc;
}

}  // namespace

StatusOr<HubResult> ValueChainGraph::Hubs(const HubRequest& req) const {
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  auto sub = Select(*rep_, st, req.chain, req.province);
  if (!sub.ok()) return sub.status();
  const size_t n = sub->vertices.size();
  HubResult out;
  out.subgraph_vertices = n;
  out.subgraph_edges = sub->edges.size();
  std::vector<size_t> degree(n, 0);
  for (const auto& [a, b] : sub->edges) {
    ++degree[a];
    ++degree[b];
  }
  std::vector<double> bc(n, 0);
  if (n <= rep_->options.betweenness_exact_limit) {
    UGraph ug(n);
    for (const auto& [a, b] : sub->edges) boost::add_edge(a, b, ug);
    boost::brandes_betweenness_centrality(
        ug, boost::make_iterator_property_map(bc.begin(), boost::get(boost::vertex_index, ug)));
  } else {
    std::vector<std::vector<uint32_t>> adj(n);
    for (const auto& [a, b] : sub->edges) {
      adj[a].push_back(b);
      adj[b].push_back(a);
    }
    std::vector<uint32_t> sources(n);
    for (uint32_t i = 0; i < n; ++i) sources[i] = i;
    std::mt19937_64 rng(rep_->options.random_seed);
    std::shuffle(sources.begin(), sources.end(), rng);
    sources.resize(std::min(n, rep_->options.betweenness_samples));
    bc = SampledBetweenness(adj, sources);
    out.betweenness_sampled = true;
  }
  std::vector<uint32_t> idx(n);
  for (uint32_t i = 0; i < n; ++i) idx[i] = i;
  auto make = [&](uint32_t i) {
    const VInfo& vi = st.info[sub->vertices[i]];
    return Hub{vi.id, vi.name, vi.kind, degree[i], bc[i]};
  };
  const size_t top = std::min(req.top, n);
  std::partial_sort(idx.begin(), idx.begin() + top, idx.end(), [&](uint32_t a, uint32_t b) {
    return degree[a] != degree[b] ? degree[a] > degree[b]
                                  : st.info[sub->vertices[a]].id < st.info[sub->vertices[b]].id;
  });
  for (size_t k = 0; k < top; ++k) out.by_degree.push_back(make(idx[k]));
  std::partial_sort(idx.begin(), idx.begin() + top, idx.end(), [&](uint32_t a, uint32_t b) {
    return bc[a] != bc[b] ? bc[a] > bc[b]
                          : st.info[sub->vertices[a]].id < st.info[sub->vertices[b]].id;
  });
  for (size_t k = 0; k < top; ++k) out.by_betweenness.push_back(make(idx[k]));
  return out;
}

StatusOr<std::vector<Cluster>> ValueChainGraph::Clusters(std::string_view chain,
                                                         std::string_view province,
                                                         size_t max_clusters,
                                                         size_t max_members) const {
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  auto sub = Select(*rep_, st, chain, province);
  if (!sub.ok()) return sub.status();
  const size_t n = sub->vertices.size();
  std::vector<size_t> rank(n), parent(n);
  boost::disjoint_sets<size_t*, size_t*> sets(rank.data(), parent.data());
  for (size_t i = 0; i < n; ++i) sets.make_set(i);
  for (const auto& [a, b] : sub->edges) sets.union_set(a, b);
  std::unordered_map<size_t, std::vector<uint32_t>> groups;
  for (uint32_t i = 0; i < n; ++i) groups[sets.find_set(i)].push_back(i);
  std::vector<Cluster> out;
  for (auto& [root, members] : groups) {
    Cluster c;
    c.size = members.size();
    for (uint32_t i : members) c.members.push_back(st.info[sub->vertices[i]].id);
    std::sort(c.members.begin(), c.members.end());
    if (c.members.size() > max_members) c.members.resize(max_members);
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Cluster& a, const Cluster& b) {
    return a.size != b.size ? a.size > b.size : a.members.front() < b.members.front();
  });
  if (out.size() > max_clusters) out.resize(max_clusters);
  return out;
}

}  // namespace ketnoi::engine
