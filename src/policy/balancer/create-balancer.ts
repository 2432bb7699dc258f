/** A balancer by the name the config gives it (`balance:`). */
import { ConsistentHash } from './consistent-hash.js';
import { LeastConnections } from './least-connections.js';
import { RoundRobin } from './round-robin.js';
import { UniformRandom, WeightedRandom } from './random.js';
import type { Balancer, Pickable, RandomSource } from './balancer.js';
import type { BalanceAlgorithm } from '../../config/model.js';

/**
 * `replicas`: every configured replica (consistent-hash builds its ring over
 * all of them, so that a replica leaving rotation moves only its own keys).
 */
export function createBalancer(algorithm: BalanceAlgorithm, replicas: readonly Pickable[], random: RandomSource = Math.random): Balancer {
  switch (algorithm) {
    case 'round-robin':
      return new RoundRobin();
    case 'least-connections':
      return new LeastConnections(random);
    case 'consistent-hash':
      return new ConsistentHash(replicas, new WeightedRandom(random));
    case 'random':
      return new UniformRandom(random);
    case 'weighted-random':
      return new WeightedRandom(random);
  }
}
