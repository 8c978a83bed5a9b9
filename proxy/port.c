/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK port set-up and tear-down. */
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "proxy/port.h"

int proxy_port_open(const struct mgmt_port *cfg, uint16_t n_queues, struct rte_mempool *pool,
		    struct proxy_port *out, char *err)
{
	char devname[MGMT_DEVARGS_MAX];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t pid, nrx = cfg->rx_desc, ntx = cfg->tx_desc;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", cfg->name);
	out->role = cfg->role;
	out->peer = -1;
	out->n_queues = n_queues;

	/* The device name is the devargs up to the first comma. */
	snprintf(devname, sizeof(devname), "%s", cfg->devargs);
	devname[strcspn(devname, ",")] = '\0';
	rc = rte_dev_probe(cfg->devargs);
	if (rc != 0) {
		snprintf(err, MGMT_ERR_MAX, "port %s: cannot probe '%s': %s", cfg->name,
			 cfg->devargs, strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(devname, &pid) != 0) {
		snprintf(err, MGMT_ERR_MAX, "port %s: no ethdev named '%s' after probe", cfg->name,
			 devname);
		return -1;
	}
	out->port_id = pid;
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0) {
		snprintf(err, MGMT_ERR_MAX, "port %s: info: %s", cfg->name, strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues < n_queues || info.max_tx_queues < n_queues) {
		snprintf(err, MGMT_ERR_MAX,
			 "port %s: %u workers need %u rx and tx queues, the port has %u/%u"
			 " (for net_af_packet, add qpairs=%u to its devargs)",
			 cfg->name, n_queues, n_queues, info.max_rx_queues, info.max_tx_queues,
			 n_queues);
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(pid, n_queues, n_queues, &conf);
	if (rc == 0 && cfg->mtu != 0)
		rc = rte_eth_dev_set_mtu(pid, cfg->mtu);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	for (uint16_t q = 0; rc == 0 && q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nrx, rte_eth_dev_socket_id(pid), NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(pid, q, ntx, rte_eth_dev_socket_id(pid), NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(pid);
	if (rc == 0 && cfg->role != MGMT_PORT_WAN)
		rc = rte_eth_promiscuous_enable(pid);
	if (rc == 0)
		rc = rte_eth_macaddr_get(pid, &out->mac);
	if (rc != 0) {
		snprintf(err, MGMT_ERR_MAX, "port %s (%s): set-up failed: %s", cfg->name, devname,
			 strerror(-rc));
		rte_eth_dev_close(pid);
		return -1;
	}
	return 0;
}

void proxy_port_close(struct proxy_port *p)
{
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}
