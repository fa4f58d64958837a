// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: TLS session-ticket state for kTLS.
 *
 * Module init and exit, and the per-network-namespace state every other
 * part hangs off.
 */

#include <linux/init.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/ktix.h>

#include "main.h"
#include "netlink.h"
#include "policy.h"
#include "ring.h"
#include "stats.h"

unsigned int ktix_net_id __read_mostly;

static int __net_init ktix_net_init(struct net *net)
{
	struct ktix_net *kn = ktix_pernet(net);
	int err;

	kn->net = net;
	mutex_init(&kn->lock);
	ktix_policy_init(&kn->policy);
	ktix_ring_init(kn);

	kn->mib = ktix_stats_alloc();
	if (!kn->mib)
		return -ENOMEM;

	err = ktix_cache_init(kn);
	if (err)
		goto err_free_mib;
	ktix_cache_set_policy(kn, &kn->policy);

	err = ktix_revoke_init(kn);
	if (err)
		goto err_cache;

	err = ktix_stats_proc_init(net);
	if (err)
		goto err_revoke;

	return 0;

err_revoke:
	ktix_revoke_exit(kn);
err_cache:
	ktix_cache_exit(kn);
err_free_mib:
	ktix_stats_free(kn->mib);
	return err;
}

static void __net_exit ktix_net_exit(struct net *net)
{
	struct ktix_net *kn = ktix_pernet(net);

	ktix_stats_proc_exit(net);
	ktix_revoke_exit(kn);
	ktix_cache_exit(kn);
	ktix_ring_exit(kn);
	ktix_stats_free(kn->mib);
	mutex_destroy(&kn->lock);
}

static struct pernet_operations ktix_net_ops = {
	.init = ktix_net_init,
	.exit = ktix_net_exit,
	.id = &ktix_net_id,
	.size = sizeof(struct ktix_net),
};

static int __init ktix_init(void)
{
	int err;

	err = ktix_cache_module_init();
	if (err)
		return err;

	err = ktix_revoke_module_init();
	if (err)
		goto err_cache;

	err = register_pernet_subsys(&ktix_net_ops);
	if (err)
		goto err_revoke;

	err = ktix_genl_init();
	if (err)
		goto err_pernet;

	pr_info("version " KTIX_MODULE_VERSION " loaded\n");
	return 0;

err_pernet:
	unregister_pernet_subsys(&ktix_net_ops);
err_revoke:
	ktix_revoke_module_exit();
err_cache:
	ktix_cache_module_exit();
	return err;
}

static void __exit ktix_exit(void)
{
	ktix_genl_exit();
	unregister_pernet_subsys(&ktix_net_ops);
	ktix_revoke_module_exit();
	ktix_cache_module_exit();
}

module_init(ktix_init);
module_exit(ktix_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TLS session-ticket state for kTLS");
MODULE_AUTHOR("The ktix developers");
MODULE_VERSION(KTIX_MODULE_VERSION);
MODULE_ALIAS_GENL_FAMILY(KTIX_GENL_NAME);
