/**
 * The tuning guide's commands that give peer traffic priority over client traffic, verbatim but for the
 * interface and this cluster's ports. Undo with `tc qdisc del dev <if> root`.
 */
export function tcPrioCommand(tuning: { interface: string; peerPort: number; clientPort: number }): string {
  const dev = tuning.interface;
  return [
    `tc qdisc add dev ${dev} root handle 1: prio bands 3`,
    `tc filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip sport ${tuning.peerPort} 0xffff flowid 1:1`,
    `tc filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip dport ${tuning.peerPort} 0xffff flowid 1:1`,
    `tc filter add dev ${dev} parent 1: protocol ip prio 2 u32 match ip sport ${tuning.clientPort} 0xffff flowid 1:1`,
    `tc filter add dev ${dev} parent 1: protocol ip prio 2 u32 match ip dport ${tuning.clientPort} 0xffff flowid 1:1`,
  ].join('\n');
}
